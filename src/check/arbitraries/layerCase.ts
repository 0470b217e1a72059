/**
 * A drawn case for a layer: batch size, input values, parameter values and the cotangent dy.
 */
import fc from 'fast-check';
import { batchRange, cotangentValues, gradientValues, type BatchSize, type ValueOptions } from './values.ts';

/** One drawn case, in flat row-major arrays. */
export interface LayerCase {
  /** Samples in the case: the size of axis 0 of x and dy. */
  readonly batch: number;
  /** batch × the features' size values. */
  readonly x: readonly number[];
  /** Values written into the fresh layer's parameters, by name. */
  readonly params: Readonly<Record<string, readonly number[]>>;
  /** batch × the output features' size values. */
  readonly dy: readonly number[];
}

/** The shapes a case is drawn for. */
export interface LayerShapes {
  /** Input size per sample (product of the features). */
  readonly inputSize: number;
  /** Output size per sample. */
  readonly outputSize: number;
  /** Parameter sizes by name. */
  readonly paramSizes: Readonly<Record<string, number>>;
  /** For an embedding-like layer: inputs are integers in [0, count). */
  readonly indexCount?: number | undefined;
}

/** Options of {@link layerCase}. */
export interface LayerCaseOptions extends ValueOptions {
  /** Batch sizes drawn: one size or a range. Default { min: 1, max: 8 }. */
  readonly batchSize?: BatchSize | undefined;
}

/**
 * Cases for a layer. Arrays are drawn at the largest batch and cut to the drawn one, so that
 * the batch size and the values shrink independently.
 */
export function layerCase(shapes: LayerShapes, options: LayerCaseOptions = {}): fc.Arbitrary<LayerCase> {
  const { min, max } = batchRange(options.batchSize);
  const values = gradientValues(options);
  const inputValues = shapes.indexCount === undefined ? values : fc.integer({ min: 0, max: shapes.indexCount - 1 });
  const exactly = (arbitrary: fc.Arbitrary<number>, length: number) => fc.array(arbitrary, { minLength: length, maxLength: length });
  const params = Object.fromEntries(Object.entries(shapes.paramSizes).map(([key, size]) => [key, exactly(values, size)]));
  return fc
    .record({
      batch: fc.integer({ min, max }),
      x: exactly(inputValues, max * shapes.inputSize),
      params: fc.record(params),
      dy: exactly(cotangentValues(), max * shapes.outputSize),
    })
    .map(({ batch, x, params, dy }) => ({ batch, x: x.slice(0, batch * shapes.inputSize), params, dy: dy.slice(0, batch * shapes.outputSize) }));
}
