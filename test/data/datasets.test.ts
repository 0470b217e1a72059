import { describe, expect, it } from 'vitest';
import { loadMnist } from '../../src/data/mnist.ts';
import { loadIris } from '../../src/data/iris.ts';
import { standardize } from '../../src/data/standardize.ts';
import { stratifiedSplit, epochBatches, oneHot, subset } from '../../src/data/dataset.ts';

describe('MNIST digits', () => {
  const mnist = loadMnist();
  it('holds 10,000 real 28×28 digits with pixels in [0, 1] and all ten labels', () => {
    expect(mnist.x.shape).toEqual([10_000, 784]);
    expect(mnist.labels.length).toBe(10_000);
    let min = Infinity, max = -Infinity;
    for (const v of mnist.x.data) { if (v < min) min = v; if (v > max) max = v; }
    expect(min).toBe(0);
    expect(max).toBe(1);
    expect(new Set(mnist.labels).size).toBe(10);
  });
  it('can be viewed as images', () => {
    expect(loadMnist({ image: true }).x.shape).toEqual([10_000, 1, 28, 28]);
  });
  it('splits reproducibly for a seed, and differently for another seed', () => {
    const a = stratifiedSplit(mnist, { testFraction: 0.2, seed: 1 });
    const b = stratifiedSplit(mnist, { testFraction: 0.2, seed: 1 });
    const c = stratifiedSplit(mnist, { testFraction: 0.2, seed: 2 });
    expect(Array.from(a.test.labels.slice(0, 50))).toEqual(Array.from(b.test.labels.slice(0, 50)));
    expect(a.test.x.data.slice(0, 5000)).toEqual(b.test.x.data.slice(0, 5000));
    expect(a.test.x.data.slice(0, 5000)).not.toEqual(c.test.x.data.slice(0, 5000));
    expect(a.train.labels.length + a.test.labels.length).toBe(10_000);
  });
});

describe('iris', () => {
  const iris = loadIris();
  it('holds 150 flowers, 4 features, 3 species of 50', () => {
    expect(iris.x.shape).toEqual([150, 4]);
    expect(iris.classes).toBe(3);
    for (let c = 0; c < 3; c++) expect(iris.labels.filter((l) => l === c).length).toBe(50);
  });
  it('splits with equal class proportions', () => {
    const { train, test } = stratifiedSplit(iris, { testFraction: 0.2, seed: 7 });
    expect(test.labels.length).toBe(30);
    for (let c = 0; c < 3; c++) expect(test.labels.filter((l) => l === c).length).toBe(10);
    expect(train.labels.length).toBe(120);
  });
  it('standardises with the reference part\'s statistics', () => {
    const s = standardize(iris);
    for (let j = 0; j < 4; j++) {
      let mean = 0;
      for (let i = 0; i < 150; i++) mean += s.x.data[i * 4 + j]! / 150;
      expect(mean).toBeCloseTo(0, 12);
    }
  });
});

describe('batches', () => {
  const iris = loadIris();
  it('cover every sample once per epoch, reshuffled per epoch and reproducible', () => {
    const first = epochBatches(iris, { batchSize: 32, seed: 3, epoch: 0 });
    expect(first.map((b) => b.x.shape[0])).toEqual([32, 32, 32, 32, 22]);
    const counts = first.reduce((acc, b) => acc.map((v, c) => v + b.target.data.filter((_, i) => i % 3 === c && b.target.data[i] === 1).length), [0, 0, 0]);
    expect(counts).toEqual([50, 50, 50]);
    const again = epochBatches(iris, { batchSize: 32, seed: 3, epoch: 0 });
    expect(again[0]!.x.data).toEqual(first[0]!.x.data);
    const next = epochBatches(iris, { batchSize: 32, seed: 3, epoch: 1 });
    expect(next[0]!.x.data).not.toEqual(first[0]!.x.data);
  });
  it('rejects bad labels and indices clearly', () => {
    expect(() => oneHot([0, 3], 3)).toThrow('oneHot: label 3 at position 1 is not an integer in [0, 3)');
    expect(() => subset(iris, [150])).toThrow('subset: index 150 at position 0 is outside [0, 150)');
  });
  it('requires options as an object: absent, null or an array is refused before anything is read', () => {
    expect(() => epochBatches(iris, undefined as never)).toThrow(new TypeError('epochBatches: options must be an object, got undefined'));
    expect(() => stratifiedSplit(iris, null as never)).toThrow(new TypeError('stratifiedSplit: options must be an object, got null'));
    expect(() => epochBatches(iris, [32, 3, 0] as never)).toThrow(new TypeError('epochBatches: options must be an object, got an array of length 3'));
  });
});
