/**
 * Normalisation over contiguous groups ("rows" of `length` values): the statistics, the
 * normalised values x̂ = (x − μ)/√(σ² + ε), and the backward through μ and σ², which
 * couples every value of a group. Layer normalisation uses rows as they are; batch
 * normalisation first brings each channel's values together (see `swapAxes`).
 */

/** Mean and biased variance (divided by `length`) of each row, by two passes for accuracy. */
export function rowMoments(data: Float64Array, rows: number, length: number): {
  /** μ of each row [rows]. */
  mean: Float64Array;
  /** σ² of each row [rows], biased: Σ(x − μ)² / length. */
  variance: Float64Array;
} {
  const mean = new Float64Array(rows);
  const variance = new Float64Array(rows);
  for (let r = 0, offset = 0; r < rows; r++, offset += length) {
    let sum = 0;
    for (let j = 0; j < length; j++) sum += data[offset + j]!;
    const mu = sum / length;
    let squares = 0;
    for (let j = 0; j < length; j++) {
      const d = data[offset + j]! - mu;
      squares += d * d;
    }
    mean[r] = mu;
    variance[r] = squares / length;
  }
  return { mean, variance };
}

/** 1/√(σ² + ε) for each variance. */
export function inverseStd(variance: Float64Array, eps: number): Float64Array {
  const out = new Float64Array(variance.length);
  for (let r = 0; r < out.length; r++) out[r] = 1 / Math.sqrt(variance[r]! + eps);
  return out;
}

/** x̂ = (x − mean[r])·inverseStd[r] for each row r. */
export function normalizeRows(data: Float64Array, length: number, mean: Float64Array, inverseStd: Float64Array): Float64Array {
  const out = new Float64Array(data.length);
  for (let r = 0, offset = 0; r < mean.length; r++, offset += length) {
    const mu = mean[r]!, s = inverseStd[r]!;
    for (let j = 0; j < length; j++) out[offset + j] = (data[offset + j]! - mu) * s;
  }
  return out;
}

/**
 * The backward of x̂ = (x − μ)/√(σ² + ε) with μ and σ² taken over the row itself:
 * dx = s·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)), s = 1/√(σ² + ε). The two mean terms are the
 * paths through μ and σ²; dropping either gives the classic wrong normalisation gradient.
 */
export function normalizedBackward(dxhat: Float64Array, xhat: Float64Array, length: number, inverseStd: Float64Array): Float64Array {
  const dx = new Float64Array(dxhat.length);
  for (let r = 0, offset = 0; r < inverseStd.length; r++, offset += length) {
    let sum = 0;
    let projected = 0;
    for (let j = 0; j < length; j++) {
      sum += dxhat[offset + j]!;
      projected += dxhat[offset + j]! * xhat[offset + j]!;
    }
    const meanGradient = sum / length;
    const meanProjection = projected / length;
    const s = inverseStd[r]!;
    for (let j = 0; j < length; j++) {
      dx[offset + j] = s * (dxhat[offset + j]! - meanGradient - xhat[offset + j]! * meanProjection);
    }
  }
  return dx;
}
