/**
 * A layer's distributions at a sampled step: its outputs, its parameters (before the update)
 * and its gradients, each summarised by the quantiles of `quantiles.ts`. The values are
 * copied, as the step's taps deliver them, into arrays kept from one sample to the next
 * (selection reorders what it reads, and the taps' arrays belong to the run); nothing is
 * allocated per sample once they have grown to the layer's size.
 */
import type { LayerQuantiles } from './events.ts';
import { quantilesInPlace } from './quantiles.ts';

/** The copies of one layer's values at a sampled step, and their quantiles. */
export class LayerDistributions {
  private activations = new Float64Array(0);
  private activationCount = 0;
  private weights: Float64Array;
  private gradients: Float64Array;
  private parameterCount = 0;

  /** @param parameterCount the layer's trainable values (the arrays grow if more arrive) */
  constructor(parameterCount: number) {
    this.weights = new Float64Array(parameterCount);
    this.gradients = new Float64Array(parameterCount);
  }

  /** Forgets the previous sample's values (the arrays stay). */
  begin(): void {
    this.activationCount = 0;
    this.parameterCount = 0;
  }

  /** Copies the layer's output for the sample. */
  setActivations(output: Float64Array): void {
    if (this.activations.length < output.length) this.activations = new Float64Array(output.length);
    this.activations.set(output);
    this.activationCount = output.length;
  }

  /** Adds one parameter: its step gradient, its value after the update and the update Δθ (θ before = value − Δθ). */
  addParameter(gradient: Float64Array, value: Float64Array, delta: Float64Array): void {
    const offset = this.parameterCount;
    const end = offset + gradient.length;
    if (this.weights.length < end) {
      this.weights = grown(this.weights, end);
      this.gradients = grown(this.gradients, end);
    }
    this.gradients.set(gradient, offset);
    const weights = this.weights;
    for (let i = 0; i < value.length; i++) weights[offset + i] = value[i]! - delta[i]!;
    this.parameterCount = end;
  }

  /** The quantiles of what was copied since {@link begin}; weights and gradients null when no parameter was added. */
  quantiles(): LayerQuantiles {
    const hasParameters = this.parameterCount > 0;
    return {
      activations: quantilesInPlace(this.activations, this.activationCount),
      weights: hasParameters ? quantilesInPlace(this.weights, this.parameterCount) : null,
      gradients: hasParameters ? quantilesInPlace(this.gradients, this.parameterCount) : null,
    };
  }
}

/** A longer copy of `array`. */
function grown(array: Float64Array, length: number): Float64Array {
  const larger = new Float64Array(length);
  larger.set(array);
  return larger;
}
