/**
 * A tiny attention model learns to reverse sequences.
 *
 * What you will see: sequences of 8 tokens from an alphabet of 8, and a model of an
 * embedding, one two-head self-attention layer with a residual connection, and a small
 * feed-forward head, trained with Adam through the streaming runtime to output each
 * sequence reversed. Reversal needs attention: the token an output position needs sits at
 * another position. The input index of a token is token + 8·position (a learned position
 * embedding folded into the token's), since attention alone cannot tell positions apart.
 * The loss curve, a few held-out sequences, and token and whole-sequence accuracy (≥ 99%
 * of tokens) follow.
 */
import { Tensor } from '../tensor/tensor.ts';
import { createRandom } from '../tensor/random.ts';
import { argmaxRows } from '../tensor/rows.ts';
import { embedding } from '../layers/embedding.ts';
import { selfAttention } from '../layers/selfAttention.ts';
import { dense } from '../layers/dense.ts';
import { relu } from '../layers/relu.ts';
import { softmaxCrossEntropy } from '../layers/softmaxCrossEntropy.ts';
import { graph } from '../graph/builder.ts';
import { predict } from '../graph/evaluate.ts';
import { adam } from '../optim/adam.ts';
import { textChart } from './chart.ts';
import { defineScenario, startRun } from './scenario.ts';

const length = 8;
const alphabet = 8;
const dModel = 16;

/** The outcome: accuracy over held-out tokens and whole sequences, and the loss of every step. */
export interface AttentionOutcome {
  readonly tokenAccuracy: number;
  readonly sequenceAccuracy: number;
  readonly losses: readonly number[];
}

/** `count` random sequences and their reversals: inputs as position-tagged indices, targets as class indices. */
export function reversals(seed: number, count: number): { x: Tensor; target: Tensor } {
  const random = createRandom(seed);
  const x = new Float64Array(count * length);
  const target = new Float64Array(count * length);
  for (let s = 0; s < count; s++) {
    const tokens = Array.from({ length }, () => random.int(alphabet));
    for (let i = 0; i < length; i++) {
      x[s * length + i] = tokens[i]! + alphabet * i;
      target[s * length + i] = tokens[length - 1 - i]!;
    }
  }
  return { x: new Tensor(x, [count, length]), target: new Tensor(target, [count, length]) };
}

export const attention = defineScenario<AttentionOutcome>({
  name: 'attention',
  summary: 'a tiny self-attention model learns to reverse sequences of 8 tokens (≥ 99% of held-out tokens)',
  defaultSeed: 0,
  resumable: true,
  async run(context) {
    const { print, seed, quick } = context;
    const g = graph({ inputFeatures: [length] });
    const embedded = g.node(embedding(alphabet * length, dModel, { seed }), g.input());
    const attended = g.node(selfAttention(dModel, { heads: 2, seed: seed + 1 }), embedded);
    const hidden = g.node(relu(), g.node(dense(dModel, 32, { seed: seed + 2 }), g.add(embedded, attended)));
    const net = g.output(g.node(dense(32, alphabet, { seed: seed + 3 }), hidden));
    print(net.summary());

    const steps = quick ? 250 : 600;
    const batches = Array.from({ length: steps }, (_, i) => reversals(seed * 100_003 + i + 1, 32));
    const heldOut = reversals(seed * 100_003 + 999_983, 500);
    // Scored once the batches are done, as the run's evaluation event (token accuracy: what the dashboard draws).
    const run = startRun(context, net, batches, { loss: softmaxCrossEntropy(), optimizer: adam(0.01), seed, validation: [heldOut] });
    const losses: number[] = [];
    run.taps.step$.subscribe(({ loss }) => losses.push(loss));
    await run.result;
    print('\n' + textChart(losses, { label: `loss over ${steps} steps of 32 sequences`, height: 6 }));

    const predicted = argmaxRows(predict(net, heldOut.x));
    let tokens = 0, sequences = 0;
    for (let s = 0; s < 500; s++) {
      let whole = true;
      for (let i = 0; i < length; i++) {
        if (predicted[s * length + i] === heldOut.target.data[s * length + i]) tokens++;
        else whole = false;
      }
      if (whole) sequences++;
    }
    print('\nHeld-out sequences (input → output):');
    for (let s = 0; s < 4; s++) {
      const input = Array.from(heldOut.x.data.subarray(s * length, (s + 1) * length), (v) => v % alphabet).join(' ');
      const output = Array.from(predicted.subarray(s * length, (s + 1) * length)).join(' ');
      print(`  ${input}  →  ${output}`);
    }
    const outcome = { tokenAccuracy: tokens / (500 * length), sequenceAccuracy: sequences / 500, losses };
    print(`\n${(100 * outcome.tokenAccuracy).toFixed(1)}% of held-out tokens and ${(100 * outcome.sequenceAccuracy).toFixed(1)}% of whole sequences reversed correctly.`);
    return outcome;
  },
});
