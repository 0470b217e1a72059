/**
 * `defineOptimizer`, the counterpart of `defineLayer`: an optimizer's file holds only its
 * update rule, its settings (defaults and ranges) and the slots it keeps per parameter. The
 * plumbing every optimizer shares is written here once:
 *
 *     factory(γ, options)  ──▶ γ and each setting checked against its range, extra rules
 *     setLearningRate(γ)   ──▶ the schedule's hook: γ checked, the next update uses it
 *     update(key, θ, g, Δ) ──▶ arguments checked; the parameter's slots fetched (zeros at its
 *                              first update, counts advanced by one) ──▶ the rule
 *     state()              ──▶ { kind, hyperparameters: { lr, …settings }, slots } (copies)
 *     checkState/loadState ──▶ one checker reads the layout (kind, settings, slots)
 *
 * The state's shape is the checkpoint format: `kind` is the definition's name,
 * `hyperparameters` lists `lr` then the settings in the order the definition declares
 * them, and each parameter's record lists its slots in the order `slots` returns them.
 */
import { describe } from '../tensor/tensor.ts';
import {
  assertLengths, assertLoadable, copySlots, exportSlots, learningRateOf, numberIn, stateArray,
  type Optimizer, type OptimizerState, type SlotValue,
} from './optimizer.ts';
import { optimizerStateProblem, type StateLayout } from './stateLayout.ts';
import { assertOptions } from '../util/argumentChecks.ts';

/** A numeric setting: its default and the range [min, max) it must lie in ([min, max] when `maxIncluded`). */
export interface NumberSetting {
  /** The value when the option is left out. */
  readonly default: number;
  /** The smallest value allowed. */
  readonly min: number;
  /** The bound above; `Infinity` for none. */
  readonly max: number;
  /** Whether `max` itself is allowed. Default false. */
  readonly maxIncluded?: boolean | undefined;
}

/** A true-or-false setting and its default. */
export interface FlagSetting {
  /** The value when the option is left out. */
  readonly default: boolean;
}

/** How a definition declares one setting. */
export type SettingSpec = NumberSetting | FlagSetting;

/** The settings an optimizer runs with, as its specs declare them: numbers and flags. */
export type SettingsOf<Specs extends Readonly<Record<string, SettingSpec>>> = {
  readonly [Name in keyof Specs]: Specs[Name] extends FlagSetting ? boolean : number;
};

/** The options a factory takes: any of the settings, each optional. */
export type OptionsOf<Specs extends Readonly<Record<string, SettingSpec>>> = Partial<SettingsOf<Specs>>;

/** What a slot holds: `count`, the updates applied to the parameter so far; `values`, one number per parameter value. */
export type SlotKind = 'count' | 'values';

/** One update of one parameter, as a definition's rule receives it. */
export interface ParameterUpdate<Settings> {
  /** θ, updated in place by the rule. */
  readonly theta: Float64Array;
  /** g, the step's gradient of θ (the rule must not change it). */
  readonly gradient: Float64Array;
  /** When given, the rule writes θ_after − θ_before into it (the update tap). */
  readonly delta: Float64Array | undefined;
  /** γ, the learning rate now (a schedule may have changed it). */
  readonly learningRate: number;
  /** The optimizer's settings, fixed for its life. */
  readonly settings: Settings;
  /** The parameter's `values` slots, by name: zeros at its first update, updated in place by the rule. */
  readonly arrays: Readonly<Record<string, Float64Array>>;
  /** The parameter's `count` slots, by name, already counting this update (1 at the first). */
  readonly counts: Readonly<Record<string, number>>;
  /** Whether the parameter held no slots before this update (its first update, for an optimizer that keeps slots). */
  readonly first: boolean;
}

/** What an optimizer's file gives {@link defineOptimizer}. */
export interface OptimizerDefinition<Specs extends Readonly<Record<string, SettingSpec>>> {
  /** The optimizer's name, which is also its state's `kind` (`sgd`, `adam`). */
  readonly name: string;
  /** Each setting's default and range, in the order `hyperparameters` lists them (after `lr`). */
  readonly settings: Specs;
  /** Rules between settings (Nesterov needs momentum): throws a RangeError naming them. Default: none. */
  readonly checkSettings?: ((settings: SettingsOf<Specs>, where: string) => void) | undefined;
  /** The slots each parameter keeps under these settings, in the order its state record lists them; `{}` for none. */
  readonly slots: (settings: SettingsOf<Specs>) => Readonly<Record<string, SlotKind>>;
  /** Why there are no slots, for a refusal of a state that holds some (`sgd without momentum keeps none`). Default: `<name> keeps no state per parameter`. */
  readonly noSlots?: string | undefined;
  /** The update rule: θ, and the slots in `arrays`, changed in place. */
  readonly update: (step: ParameterUpdate<SettingsOf<Specs>>) => void;
}

/** An optimizer factory: the learning rate γ and the options (each defaulting as its setting declares). */
export type OptimizerFactory<Options> = (learningRate: number, options?: Options) => Optimizer;

const noArrays: Readonly<Record<string, Float64Array>> = Object.freeze({});
const noCounts: Readonly<Record<string, number>> = Object.freeze({});

/** Builds an optimizer factory from a definition: its rule, its settings and its slots. */
export function defineOptimizer<Specs extends Readonly<Record<string, SettingSpec>>>(definition: OptimizerDefinition<Specs>): OptimizerFactory<OptionsOf<Specs>> {
  const where = definition.name;
  const factory: OptimizerFactory<OptionsOf<Specs>> = (learningRate, options = {}) => {
    let lr = learningRateOf(learningRate, where);
    const settings = settingsOf(definition, options, where);
    const slotKinds = Object.entries(definition.slots(settings));
    // The learning rate is not fixed: a resumed run takes the saved one, which a schedule may have changed.
    const layout = (): StateLayout => ({
      kind: where,
      settings: { lr, ...settings },
      fixed: Object.keys(settings),
      slots: Object.fromEntries(slotKinds),
      ...(definition.noSlots !== undefined ? { noSlots: definition.noSlots } : {}),
    });
    let slots = new Map<string, Record<string, SlotValue>>();

    const slotsFor = (key: string, length: number) => {
      const stored = slots.get(key);
      const record: Record<string, SlotValue> = {};
      const arrays: Record<string, Float64Array> = {};
      const counts: Record<string, number> = {};
      for (const [name, kind] of slotKinds) {
        const value = stored?.[name];
        if (kind === 'count') record[name] = counts[name] = (typeof value === 'number' ? value : 0) + 1;
        else record[name] = arrays[name] = stateArray(where, key, name, value, length);
      }
      slots.set(key, record);
      return { arrays, counts, first: stored === undefined };
    };

    return {
      name: where,
      get learningRate() {
        return lr;
      },
      get hyperparameters() {
        return { lr, ...settings };
      },
      setLearningRate(value) {
        lr = learningRateOf(value, `${where}.setLearningRate`);
      },
      update(key, theta, gradient, delta) {
        assertLengths(where, key, theta, gradient);
        const held = slotKinds.length === 0 ? { arrays: noArrays, counts: noCounts, first: true } : slotsFor(key, theta.length);
        definition.update({ theta, gradient, delta, learningRate: lr, settings, ...held });
      },
      state(): OptimizerState {
        return { kind: where, hyperparameters: { lr, ...settings }, slots: exportSlots(slots) };
      },
      checkState(state, expected) {
        return optimizerStateProblem(layout(), state, expected);
      },
      loadState(state, expected) {
        assertLoadable(where, optimizerStateProblem(layout(), state, expected));
        lr = state.hyperparameters.lr as number;
        slots = copySlots(state);
      },
    };
  };
  // Named as the optimizer, as a factory written as `function sgd(…)` is (`sgd.name === 'sgd'`).
  return Object.defineProperty(factory, 'name', { value: where });
}

/** The options read against the specs: defaults filled in, each value checked, then the rules between them. */
function settingsOf<Specs extends Readonly<Record<string, SettingSpec>>>(definition: OptimizerDefinition<Specs>, options: unknown, where: string): SettingsOf<Specs> {
  assertOptions(options, where);
  const given = options as Record<string, unknown>;
  const settings: Record<string, number | boolean> = {};
  for (const [name, spec] of Object.entries(definition.settings)) {
    const value = given[name] ?? spec.default;
    if (typeof spec.default === 'boolean') {
      if (typeof value !== 'boolean') throw new TypeError(`${where}: ${name} must be true or false, got ${describe(value)}`);
      settings[name] = value;
    } else {
      const { min, max, maxIncluded } = spec as NumberSetting;
      settings[name] = numberIn(value, where, name, min, max, maxIncluded ?? false);
    }
  }
  const checked = settings as SettingsOf<Specs>;
  definition.checkSettings?.(checked, where);
  return checked;
}
