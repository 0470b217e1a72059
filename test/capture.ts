/** A writable stream that keeps what is written to it, for tests of printed output. */
import { Writable } from 'node:stream';

/** A stream whose `text()` is everything written to it so far. */
export function capture(): Writable & { text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  return Object.assign(stream, { text: () => text });
}
