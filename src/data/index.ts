/** Real datasets (MNIST digits, iris flowers) and seeded splits and batches. */
export * from './dataset.ts';
export { loadMnist } from './mnist.ts';
export { loadIris, standardize } from './iris.ts';
