/**
 * CRC-32C (Castagnoli), the checksum of TensorBoard's record framing, and its masked form.
 *
 * CRC-32C is the reflected CRC over the polynomial 0x1EDC6F41 (0x82F63B78 reflected), with
 * the register starting at 0xFFFFFFFF and inverted at the end; CRC-32C("123456789") is
 * 0xE3069283. One table of 256 entries turns the eight shifts per byte into one look-up.
 *
 * TensorFlow's record files store masked CRCs, ((crc ≫ 15) | (crc ≪ 17)) + 0xA282EAD8 mod 2³²,
 * so that a CRC of data that itself holds CRCs is not degenerate.
 */

/** The reflected Castagnoli polynomial. */
const polynomial = 0x82f63b78;

const table = (() => {
  const entries = new Uint32Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let register = byte;
    for (let bit = 0; bit < 8; bit++) register = register & 1 ? (register >>> 1) ^ polynomial : register >>> 1;
    entries[byte] = register;
  }
  return entries;
})();

/** CRC-32C of `bytes`, as an unsigned 32-bit integer. */
export function crc32c(bytes: Uint8Array): number {
  let register = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) register = table[(register ^ bytes[i]!) & 0xff]! ^ (register >>> 8);
  return (register ^ 0xffffffff) >>> 0;
}

/** The masked CRC-32C of `bytes`, as TensorFlow's record files store it. */
export function maskedCrc32c(bytes: Uint8Array): number {
  const crc = crc32c(bytes);
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}
