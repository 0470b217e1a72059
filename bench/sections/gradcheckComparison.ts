/**
 * The verifier's cost against PyTorch's: `checkGradients` on dense(size, size) at batch 1
 * next to `torch.autograd.gradcheck` of the same linear layer (x, W and b, float64), full
 * mode against gradcheck's slow mode and fast mode against its fast mode, taking turns in
 * interleaved rounds; PyTorch runs in a peer process of its own, one thread. The ratio is
 * gradstream's time per check over gradcheck's, taken within each round.
 *
 * The two do different work for a check. gradstream, full: a Richardson-extrapolated
 * central difference per input number (4 forward passes) of g = ⟨dy, f⟩, one backward pass,
 * and the checks that need no derivative; fast: the same along 2 random directions per
 * tensor. gradcheck, slow: a central difference per input number of every output (2
 * forward calls each) and one backward per output number, the two Jacobians compared
 * entry by entry; fast: vᵀJu both ways for one random u and v.
 */
import { checkGradients } from '../../src/check/checkGradients.ts';
import type { GradientReport } from '../../src/check/report/report.ts';
import { dense } from '../../src/layers/dense.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { createRandom } from '../../src/tensor/random.ts';
import { describeRatios, interleave, median, medianIntervalText, rateRatios, repetitionsFor } from '../harness.ts';
import { findTorch } from '../torch/environment.ts';
import { describePeer, startTorchPeer, type TorchPeer } from '../torch/peer.ts';
import type { Cell, Table } from '../table.ts';
import type { SectionOptions } from './section.ts';

/** One comparison: a layer size, gradstream's mode and gradcheck's, and how the rounds go. */
interface ComparisonCase {
  readonly size: number;
  readonly mode: 'full' | 'fast';
  /** Seconds of checks per candidate per round; 0 for one check a round, without calibrating. */
  readonly seconds: number;
  readonly warmup: number;
  readonly rounds: number;
}

/** gradcheck's mode that does what gradstream's `mode` does: every coordinate, or random directions. */
const gradcheckMode = (mode: 'full' | 'fast') => (mode === 'full' ? 'slow' : 'fast');

function comparisonCases(quick: boolean): ComparisonCase[] {
  return [
    { size: 64, mode: 'fast', seconds: quick ? 0.05 : 0.1, warmup: 1, rounds: quick ? 6 : 9 },
    { size: 64, mode: 'full', seconds: 0, warmup: 1, rounds: quick ? 6 : 7 },
    { size: 256, mode: 'fast', seconds: quick ? 0.05 : 0.1, warmup: 1, rounds: quick ? 6 : 9 },
    // About 20 s and 12 s a check: three rounds, no warm-up (the JIT is warm from the cases above).
    ...(quick ? [] : [{ size: 256, mode: 'full', seconds: 0, warmup: 0, rounds: 3 } as const]),
  ];
}

const layerName = (size: number) => `dense(${size}, ${size}), batch 1`;

/** One case in interleaved rounds: each side's median time per check, the ratios round by round, and what each reported. */
async function compare(c: ComparisonCase, peer: TorchPeer) {
  const layer = dense(c.size, c.size, { seed: 1 });
  const x = new Tensor(createRandom(2).uniformArray(c.size, -1, 1), [1, c.size]);
  let report: GradientReport | undefined;
  const check = () => void (report = checkGradients(layer, x, { mode: c.mode }));
  const ourChecks = c.seconds > 0 ? await repetitionsFor(check, c.seconds) : 1;
  await peer.setup({ setup: 'gradcheck', size: c.size, mode: gradcheckMode(c.mode) });
  const theirChecks = c.seconds > 0 ? await peer.calibrate(c.seconds) : 1;
  let theirs = { ok: true, forward: NaN };
  // CPU seconds of each round, warm-up included: this process's for gradstream, the peer's own for gradcheck.
  const ourCpu: number[] = [];
  const theirCpu: number[] = [];
  const samples = await interleave(
    [
      {
        name: 'gradstream',
        work: () => {
          const start = process.cpuUsage();
          for (let i = 0; i < ourChecks; i++) check();
          const spent = process.cpuUsage(start);
          ourCpu.push((spent.user + spent.system) / 1e6);
        },
      },
      {
        name: 'gradcheck',
        work: async () => {
          const run = await peer.run(theirChecks);
          theirs = { ok: run.ok ?? false, forward: run.forward ?? NaN };
          theirCpu.push(run.cpuSeconds ?? NaN);
        },
      },
    ],
    { warmup: c.warmup, rounds: c.rounds },
  );
  const ours = samples.get('gradstream')!;
  const their = samples.get('gradcheck')!;
  return {
    layer: layerName(c.size),
    mode: c.mode,
    gradcheckMode: gradcheckMode(c.mode),
    rounds: c.rounds,
    gradstreamMs: (median(ours) / ourChecks) * 1000,
    gradstreamForward: report!.evaluations.forward,
    gradstreamOk: report!.ok,
    gradcheckMs: (median(their) / theirChecks) * 1000,
    gradcheckForward: theirs.forward,
    gradcheckOk: theirs.ok,
    // Time per check, gradstream over gradcheck: gradcheck's checks per second over ours.
    ratios: rateRatios(their, theirChecks, ours, ourChecks),
    cpuRatios: rateRatios(theirCpu.slice(c.warmup), theirChecks, ourCpu.slice(c.warmup), ourChecks),
  };
}

/**
 * The comparison table, or, without PyTorch, the same rows saying how to get it.
 * Part of the verifier section.
 */
export async function gradcheckComparison(options: SectionOptions): Promise<{ table: Table; figures: unknown }> {
  const cases = comparisonCases(options.quick);
  const torch = findTorch();
  const title = 'checkGradients against torch.autograd.gradcheck (PyTorch, float64, one thread), dense layers at batch 1: time per check (medians)';
  const columns = [
    { heading: 'layer' },
    { heading: 'gradstream mode' },
    { heading: 'gradstream ms', decimals: 1 },
    { heading: 'forward', decimals: 0 },
    { heading: 'gradcheck mode' },
    { heading: 'gradcheck ms', decimals: 1 },
    { heading: 'forward calls', decimals: 0 },
    { heading: 'gradstream ÷ gradcheck', decimals: 2, suffix: '×' },
    { heading: '95% interval', decimals: 2 },
    { heading: 'reports' },
  ];
  if (!torch.found) {
    const rows: Cell[][] = cases.map((c) => [layerName(c.size), c.mode, NaN, NaN, gradcheckMode(c.mode), NaN, NaN, NaN, '—', torch.howToGet]);
    return { table: { title, columns, rows, notes: [`Not measured: ${torch.reason}.`] }, figures: torch.reason };
  }
  const peer = await startTorchPeer(torch.python, 'PyTorch gradcheck');
  const measured = [];
  try {
    for (const c of cases) measured.push(await compare(c, peer));
  } finally {
    peer.close();
  }
  const rows: Cell[][] = measured.map((m) => [
    m.layer,
    m.mode,
    m.gradstreamMs,
    m.gradstreamForward,
    m.gradcheckMode,
    m.gradcheckMs,
    m.gradcheckForward,
    median(m.ratios),
    medianIntervalText(m.ratios, 2),
    `${m.gradstreamOk ? 'ok' : 'FAILED'} / ${m.gradcheckOk ? 'ok' : 'FAILED'}`,
  ]);
  return {
    table: {
      title,
      columns,
      rows,
      notes: [
        `gradcheck at its defaults (eps 1e-6, atol 1e-5, rtol 1e-3) on torch.nn.functional.linear over x, W and b; ${describePeer(peer.info)}, in its own process.`,
        'gradstream ÷ gradcheck: median over rounds of the ratio of the times per check within a round; 95% interval of that median (— with fewer than 6 rounds).',
        'forward: gradstream’s forward passes per check (Richardson: 4 per direction); forward calls: gradcheck’s calls of the layer per check (2 per input number in slow mode).',
        ...measured.map((m) => `${m.layer}, ${m.mode} against ${m.gradcheckMode}: ${describeRatios(m.ratios)} over ${m.rounds} rounds; by CPU time of each process, ${describeRatios(m.cpuRatios)}.`),
      ],
    },
    figures: { peer: peer.info, cases: measured },
  };
}
