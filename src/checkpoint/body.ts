/**
 * A checkpoint's body, read and checked field by field before anything is applied:
 *
 *     savedAt       an ISO 8601 time
 *     fingerprint   input features, nodes, parameter and buffer shapes
 *     trainer       runId, seed, step, epoch, batchesIntoEpoch, random, nextSeq: ranges, the
 *                   generator's four words, and what the counters imply (graph/resumeCheck.ts)
 *     optimizer     kind, hyperparameters, slots (one record per parameter, arrays of its length)
 *     parameters    every parameter of the fingerprint, no other, each of its shape
 *     buffers       likewise
 *     jsonl?        { bytes, lastSeq }: whole numbers (bytes > 0 once the file holds an event)
 *
 * Every refusal is a CheckpointError naming the file and the field. What the checkpoint
 * cannot tell alone (the graph, the optimizer and the data resuming it) restore.ts checks.
 */
import { Tensor } from '../tensor/tensor.ts';
import type { TrainerState } from '../graph/trainOptions.ts';
import type { RandomState } from '../tensor/random.ts';
import type { OptimizerState, SlotValue } from '../optim/optimizer.ts';
import { trainerStateProblem } from '../graph/resumeCheck.ts';
import { fieldPath, problemAt, within } from '../optim/stateProblem.ts';
import type { Checkpoint, JsonlPosition } from './checkpoint.ts';
import { CheckpointError } from './errors.ts';
import { FieldReader, isRecord } from './fieldReader.ts';
import type { GraphFingerprint, NodeFingerprint } from './fingerprint.ts';

const trainerFields = ['runId', 'seed', 'step', 'epoch', 'batchesIntoEpoch', 'random', 'nextSeq'] as const;

/** The checkpoint a body holds; throws a CheckpointError naming `source` and the field at the first fault. */
export function parseBody(body: Buffer, source: string): Checkpoint {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new CheckpointError(`${source} is corrupt: its body is not JSON (${(error as Error).message})`, source);
  }
  const read = new FieldReader(source);
  const top = read.record(parsed, '', ['savedAt', 'fingerprint', 'trainer', 'optimizer', 'parameters', 'buffers'], ['jsonl']);
  const savedAt = read.text(top.savedAt, 'savedAt', 'the time it was saved (ISO 8601)');
  if (!Number.isFinite(Date.parse(savedAt))) read.refuse(problemAt('savedAt', 'the time it was saved (ISO 8601)', savedAt));
  const fingerprint = readFingerprint(read, top.fingerprint);
  const trainer = readTrainer(read, top.trainer, readOptimizer(read, top.optimizer));
  const parameters = readTensors(read, top.parameters, 'parameters', fingerprint.parameters);
  const buffers = readTensors(read, top.buffers, 'buffers', fingerprint.buffers);
  checkSlotKeys(read, trainer.optimizer, parameters);
  const jsonl = top.jsonl === undefined ? undefined : readPosition(read, top.jsonl);
  return { savedAt, fingerprint, trainer, parameters, buffers, ...(jsonl ? { jsonl } : {}) };
}

function readFingerprint(read: FieldReader, value: unknown): GraphFingerprint {
  const record = read.record(value, 'fingerprint', ['inputFeatures', 'nodes', 'parameters', 'buffers']);
  const inputFeatures = read.shape(record.inputFeatures, 'fingerprint.inputFeatures').shape;
  if (!Array.isArray(record.nodes)) read.refuse(problemAt('fingerprint.nodes', "the graph's nodes", record.nodes));
  const nodes = (record.nodes as unknown[]).map((node, i): NodeFingerprint => {
    const field = fieldPath('fingerprint.nodes', i);
    const fields = read.record(node, field, ['name', 'op', 'inputs', 'features']);
    const inputs = fields.inputs;
    if (!Array.isArray(inputs) || !inputs.every((name) => typeof name === 'string')) read.refuse(problemAt(`${field}.inputs`, 'the names of its inputs', inputs));
    return {
      name: read.text(fields.name, `${field}.name`, "the node's name"),
      op: read.text(fields.op, `${field}.op`, 'what the node runs'),
      inputs: (inputs as string[]).slice(),
      features: read.shape(fields.features, `${field}.features`).shape,
    };
  });
  const shapes = (field: string) => Object.fromEntries(read.entries(record[field], `fingerprint.${field}`, `${field} by key, each its shape`)
    .map(([key, shape]) => [key, read.shape(shape, fieldPath(`fingerprint.${field}`, key)).shape]));
  return { inputFeatures, nodes, parameters: shapes('parameters'), buffers: shapes('buffers') };
}

function readTrainer(read: FieldReader, value: unknown, optimizer: OptimizerState): TrainerState {
  const record = read.record(value, 'trainer', trainerFields);
  const problem = trainerStateProblem({ ...record, optimizer });
  if (problem) read.refuse(within('trainer', problem)!);
  return { ...(record as Omit<TrainerState, 'optimizer'>), random: [...(record.random as number[])] as unknown as RandomState, optimizer };
}

function readOptimizer(read: FieldReader, value: unknown): OptimizerState {
  const record = read.record(value, 'optimizer', ['kind', 'hyperparameters', 'slots']);
  const kind = read.text(record.kind, 'optimizer.kind', "the optimizer's kind (sgd, adam, rmsprop)");
  const hyperparameters: Record<string, number | boolean> = {};
  for (const [name, setting] of read.entries(record.hyperparameters, 'optimizer.hyperparameters', "the optimizer's settings")) {
    const field = fieldPath('optimizer.hyperparameters', name);
    hyperparameters[name] = typeof setting === 'boolean' ? setting : read.number(setting, field);
  }
  const slots: Record<string, Record<string, SlotValue>> = {};
  for (const [key, slot] of read.entries(record.slots, 'optimizer.slots', 'the state of each parameter')) {
    const field = fieldPath('optimizer.slots', key);
    slots[key] = {};
    for (const [name, encoded] of read.entries(slot, field, 'named state values')) {
      const at = fieldPath(field, name);
      const array = isRecord(encoded) && 'length' in encoded ? read.record(encoded, at, ['length', 'float64']) : undefined;
      slots[key][name] = array
        ? read.float64(array.float64, `${at}.float64`, read.integer(array.length, `${at}.length`, 0, 'a whole number ≥ 0 (how many values)'))
        : read.number(encoded, at);
    }
  }
  return { kind, hyperparameters, slots };
}

/** Tensors under exactly the keys of `shapes` (the fingerprint's), each of its shape. */
function readTensors(read: FieldReader, value: unknown, field: string, shapes: GraphFingerprint['parameters']): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [key, encoded] of read.entries(value, field, `${field} by key`)) {
    const at = fieldPath(field, key);
    const expected = shapes[key];
    if (!Object.hasOwn(shapes, key) || !expected) read.refuse(problemAt(at, `nothing (the fingerprint lists no ${field === 'parameters' ? 'parameter' : 'buffer'} of that key)`, encoded));
    const record = read.record(encoded, at, ['shape', 'float64']);
    const { shape, size } = read.shape(record.shape, `${at}.shape`);
    if (shape.length !== expected.length || shape.some((d, i) => d !== expected[i])) read.refuse(problemAt(`${at}.shape`, `[${expected.join(', ')}], the fingerprint's`, shape));
    out[key] = new Tensor(read.float64(record.float64, `${at}.float64`, size), shape);
  }
  const missing = Object.keys(shapes).find((key) => !Object.hasOwn(out, key));
  if (missing !== undefined) read.refuse(problemAt(fieldPath(field, missing), `a tensor of shape [${shapes[missing]!.join(', ')}] (the fingerprint lists it)`, undefined));
  return out;
}

/** Slots belong to parameters, and their arrays hold one value per parameter value, whatever the optimizer. */
function checkSlotKeys(read: FieldReader, optimizer: OptimizerState, parameters: Readonly<Record<string, Tensor>>): void {
  for (const [key, record] of Object.entries(optimizer.slots)) {
    const field = fieldPath('optimizer.slots', key);
    const parameter = parameters[key];
    if (!Object.hasOwn(parameters, key) || !parameter) read.refuse(problemAt(field, 'nothing (the checkpoint has no parameter of that key)', record));
    for (const [name, slot] of Object.entries(record)) {
      if (typeof slot !== 'number' && slot.length !== parameter.size) read.refuse(problemAt(fieldPath(field, name), `${parameter.size} numbers (one per value of ${key})`, slot));
    }
  }
}

/** Where the run's telemetry file stood. (Its seqs count the watch's own events too, so they are not compared with the trainer's nextSeq.) */
function readPosition(read: FieldReader, value: unknown): JsonlPosition {
  const record = read.record(value, 'jsonl', ['bytes', 'lastSeq']);
  const bytes = read.integer(record.bytes, 'jsonl.bytes', 0, "a whole number ≥ 0 (the telemetry file's length)");
  const lastSeq = read.integer(record.lastSeq, 'jsonl.lastSeq', -1, 'a whole number ≥ −1 (the seq of the last event in the file)');
  if (lastSeq >= 0 && bytes === 0) read.refuse(problemAt('jsonl.bytes', `more than 0: the file holds events through seq ${lastSeq}`, bytes));
  return { bytes, lastSeq };
}
