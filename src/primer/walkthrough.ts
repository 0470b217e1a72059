/**
 * The primer's worked examples as text: the simplest network's table, then the deeper and
 * the wider networks' gradients.
 */
import { formatNumber } from './table.ts';
import { formatSimplestTable, simplestSteps, primerSimplestSetup } from './simplest.ts';
import { deeperGradients, primerDeeperSetup } from './deeper.ts';
import { widerGradients, primerWiderSetup } from './wider.ts';

const n = (value: number) => formatNumber(value, 4);
const vector = (values: readonly number[]) => `[${values.map(n).join(', ')}]`;
const matrix = (rows: readonly (readonly number[])[]) => `[${rows.map(vector).join(', ')}]`;

/** The simplest network's table for the primer's setup (x = 1, y = 3, w = 0.1, b = 1, η = 0.2). */
function simplestWalkthrough(steps = 3): string {
  const { x, y, w, b, learningRate } = primerSimplestSetup;
  return [
    'The simplest network: h = w·x + b, L = ½(h − y)², update w ← w − η·∂L/∂w',
    `x = ${x}, y = ${y}, w = ${w}, b = ${b}, η = ${learningRate}`,
    '',
    formatSimplestTable(simplestSteps(primerSimplestSetup, steps)),
  ].join('\n');
}

/** The deeper network's forward values and gradients. */
function deeperWalkthrough(): string {
  const s = primerDeeperSetup;
  const g = deeperGradients(s);
  return [
    'Going deeper: h = w·x + b, q = σ(h), o₁ = v₁·q, o₂ = v₂·q, L = cross-entropy of softmax(o) against y',
    `x = ${s.x}, y = ${s.y}, w = ${s.w}, b = ${s.b}, v₁ = ${s.v1}, v₂ = ${s.v2}`,
    `  h = ${n(g.h)}   q = ${n(g.q)}   o = ${vector(g.o)}   p = ${vector(g.p)}   L = ${n(g.L)}`,
    `  ∂L/∂o = ${vector(g.dLdo)}   = p − [y, 1 − y]`,
    `  ∂L/∂q = ${n(g.dLdq)}   = v₁·∂L/∂o₁ + v₂·∂L/∂o₂ (q fans out: the gradients add)`,
    `  ∂L/∂v = ${vector(g.dLdv)}   = ∂L/∂o · q`,
    `  ∂L/∂h = ${n(g.dLdh)}   = ∂L/∂q · σ(h)·(1 − σ(h))`,
    `  ∂L/∂w = ${n(g.dLdw)}   = ∂L/∂h · x        ∂L/∂b = ${n(g.dLdb)} = ∂L/∂h`,
  ].join('\n');
}

/** The wider network's gradients: ∂L/∂W as an outer product, ∂L/∂x = Wᵀ·∂L/∂h. */
function widerWalkthrough(): string {
  const s = primerWiderSetup;
  const g = widerGradients(s);
  return [
    'Going wider: h = W·x + b, q = σ(h), o = V·q (2×2 layers)',
    `x = ${vector(s.x)}, y = ${vector(s.y)}, W = ${matrix(s.W)}, b = ${vector(s.b)}, V = ${matrix(s.V)}`,
    `  h = ${vector(g.h)}   q = ${vector(g.q)}   o = ${vector(g.o)}   L = ${n(g.L)}`,
    `  ∂L/∂h = ${vector(g.dLdh)}`,
    `  ∂L/∂W = ∂L/∂h ⊗ x = ${matrix(g.dLdW)}`,
    `  ∂L/∂x = Wᵀ·∂L/∂h  = ${vector(g.dLdx)}`,
    `  ∂L/∂b = ∂L/∂h     = ${vector(g.dLdb)}`,
    `  ∂L/∂V = ∂L/∂o ⊗ q = ${matrix(g.dLdV)}`,
  ].join('\n');
}

/** All three, separated by blank lines. */
export function primerWalkthrough(): string {
  return [simplestWalkthrough(), deeperWalkthrough(), widerWalkthrough()].join('\n\n');
}
