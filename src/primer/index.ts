/** The backpropagation primer's worked examples. */
export * from './simplest.ts';
export * from './deeper.ts';
export * from './wider.ts';
export * from './walkthrough.ts';
export { formatTable, formatNumber } from './table.ts';
