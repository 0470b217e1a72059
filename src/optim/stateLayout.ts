/**
 * Checks a saved optimizer state against the optimizer that is to load it, in meaning and
 * not only in type: the same kind, the same settings, and for every parameter exactly the
 * slots the optimizer keeps, of the parameter's length. `defineOptimizer` states each layout
 * (what its state holds); one checker reads every layout, so every optimizer refuses the same
 * faults with the same words.
 *
 * Slots appear with a parameter's first update (SGD's momentum buffer is the first gradient),
 * and the trainer updates every parameter at every applied step, so a state holds slots for
 * every parameter or for none: some but not all is refused, and none once the run has
 * applied an update (`updated`) is refused too (the momentum would silently restart).
 */
import { fieldPath, problemAt, type StateProblem } from './stateProblem.ts';
import { learningRateProblem } from './optimizer.ts';

/** What an optimizer's state holds. */
export interface StateLayout {
  /** `sgd`, `adam`: the `kind` a state must have. */
  readonly kind: string;
  /** The optimizer's settings now (its `hyperparameters`): a state must name exactly these. */
  readonly settings: Readonly<Record<string, number | boolean>>;
  /**
   * Settings a state must equal. The learning rate is not among them: a state's rate is
   * restored, since a schedule may have changed it during the run.
   */
  readonly fixed: readonly string[];
  /** Each parameter's slots once it has been updated: `count` (a whole number ≥ 1) or `values` (one number per parameter value). */
  readonly slots: Readonly<Record<string, 'count' | 'values'>>;
  /** Why there are no slots, when `slots` is empty (`sgd without momentum keeps none`). */
  readonly noSlots?: string | undefined;
}

/** What a state is checked against besides the optimizer itself; every part is optional. */
export interface StateExpectations {
  /** Each parameter's key and value count: slots only for these keys, arrays of these lengths. Default: not checked. */
  readonly parameters?: Readonly<Record<string, number>> | undefined;
  /** Whether the run has applied updates (its step is past 0): every parameter must then hold its slots. Default false. */
  readonly updated?: boolean | undefined;
  /** Accept NaN and ±Infinity in slot values (a run under guard 'continue' may keep them). Default false. */
  readonly allowNonFinite?: boolean | undefined;
}

/** The first problem with `state` for an optimizer of `layout`, or undefined when it can be loaded. Paths are from the state's root. */
export function optimizerStateProblem(layout: StateLayout, state: unknown, expected: StateExpectations = {}): StateProblem | undefined {
  if (!isRecord(state)) return problemAt('', 'an optimizer state { kind, hyperparameters, slots }', state);
  const extra = Object.keys(state).find((name) => !['kind', 'hyperparameters', 'slots'].includes(name));
  if (extra !== undefined) return problemAt(extra, 'nothing (an optimizer state holds kind, hyperparameters and slots)', state[extra]);
  if (state.kind !== layout.kind) return problemAt('kind', `"${layout.kind}" (this optimizer's kind)`, state.kind);
  return settingsProblem(layout, state.hyperparameters) ?? slotsProblem(layout, state.slots, expected);
}

function settingsProblem(layout: StateLayout, saved: unknown): StateProblem | undefined {
  if (!isRecord(saved)) return problemAt('hyperparameters', `the settings of ${layout.kind} (${Object.keys(layout.settings).join(', ')})`, saved);
  for (const [name, current] of Object.entries(layout.settings)) {
    const field = fieldPath('hyperparameters', name);
    const value = saved[name];
    if (typeof value !== typeof current) return problemAt(field, typeof current === 'boolean' ? 'true or false' : 'a number', value);
    if (name === 'lr') {
      const problem = learningRateProblem(value);
      if (problem) return problemAt(field, problem, value);
    } else if (layout.fixed.includes(name) && value !== current) {
      return problemAt(field, `${String(current)} (this optimizer's setting; create it with the saved settings to resume the run)`, value);
    }
  }
  const extra = Object.keys(saved).find((name) => !(name in layout.settings));
  return extra === undefined ? undefined : problemAt(fieldPath('hyperparameters', extra), `nothing (${layout.kind} has no setting of that name)`, saved[extra]);
}

function slotsProblem(layout: StateLayout, slots: unknown, expected: StateExpectations): StateProblem | undefined {
  if (!isRecord(slots)) return problemAt('slots', 'a record of per-parameter state', slots);
  const names = Object.keys(layout.slots);
  const lengths = expected.parameters;
  for (const [key, record] of Object.entries(slots)) {
    const field = fieldPath('slots', key);
    if (lengths && !Object.hasOwn(lengths, key)) return problemAt(field, 'nothing (the graph has no parameter of that key)', record);
    if (names.length === 0) return problemAt(field, `nothing (${layout.noSlots ?? `${layout.kind} keeps no state per parameter`})`, record);
    const problem = recordProblem(layout, record, field, lengths?.[key], expected.allowNonFinite ?? false);
    if (problem) return problem;
  }
  if (!lengths || names.length === 0) return undefined;
  const held = Object.keys(slots).length;
  const missing = Object.keys(lengths).find((key) => !Object.hasOwn(slots, key));
  if (missing === undefined || (held === 0 && !expected.updated)) return undefined;
  const why = held === 0 ? 'the run has applied updates, and each update gives every parameter its slots' : 'slots for every parameter or for none: other parameters have theirs';
  return problemAt(fieldPath('slots', missing), `${names.join(', ')} (${why})`, undefined);
}

function recordProblem(layout: StateLayout, record: unknown, field: string, length: number | undefined, allowNonFinite: boolean): StateProblem | undefined {
  if (!isRecord(record)) return problemAt(field, `a record of ${Object.keys(layout.slots).join(', ')}`, record);
  for (const [name, kind] of Object.entries(layout.slots)) {
    const at = fieldPath(field, name);
    const value = record[name];
    if (kind === 'count') {
      if (!Number.isSafeInteger(value) || (value as number) < 1) return problemAt(at, 'a whole number ≥ 1 (the updates applied so far)', value);
      continue;
    }
    const values = value instanceof Float64Array || (Array.isArray(value) && value.every((v) => typeof v === 'number')) ? (value as ArrayLike<number>) : undefined;
    const size = length === undefined ? 'numbers' : `${length} numbers (one per value of the parameter)`;
    if (!values || (length !== undefined && values.length !== length)) return problemAt(at, size, value);
    if (allowNonFinite) continue;
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i])) return problemAt(fieldPath(at, i), "a finite number (NaN and ±Infinity only under guard 'continue')", values[i]);
    }
  }
  const extra = Object.keys(record).find((name) => !(name in layout.slots));
  return extra === undefined ? undefined : problemAt(fieldPath(field, extra), `nothing (${layout.kind} keeps ${Object.keys(layout.slots).join(', ')})`, record[extra]);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value);
}
