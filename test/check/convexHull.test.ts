/** The nearest point of a convex hull: exact inside, on faces and at vertices, and random hulls against their own definition. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { nearestInHull } from '../../src/check/numeric/convexHull.ts';

const f = (...values: number[]) => Float64Array.from(values);
const norm = (v: Float64Array) => Math.hypot(...v);

describe('nearestInHull', () => {
  it('leaves no residual for a point inside, with weights that rebuild it', () => {
    const points = [f(0, 0), f(2, 0), f(0, 2)];
    const { weights, residual } = nearestInHull(points, f(0.5, 0.5));
    expect(norm(residual)).toBeLessThan(1e-14);
    expect(weights.reduce((a, w) => a + w, 0)).toBeCloseTo(1, 14);
    expect(weights.every((w) => w >= 0)).toBe(true);
    expect(points.reduce((a, p, j) => a + weights[j]! * p[0]!, 0)).toBeCloseTo(0.5, 14);
  });

  it('projects onto an edge and onto a vertex', () => {
    const points = [f(0, 0), f(2, 0), f(0, 2)];
    expect(Array.from(nearestInHull(points, f(1, -1)).residual).map((v) => v + 0)).toEqual([0, -1]);
    const atVertex = nearestInHull(points, f(3, -1));
    expect(Array.from(atVertex.residual).map((v) => Math.round(v * 1e12) / 1e12 + 0)).toEqual([1, -1]);
    expect(atVertex.weights[1]).toBeCloseTo(1, 12);
  });

  it('copes with repeated and affinely dependent points', () => {
    const points = [f(1, 0, 0), f(1, 0, 0), f(0, 1, 0), f(0.5, 0.5, 0), f(0, 0, 1)];
    expect(norm(nearestInHull(points, f(1 / 3, 1 / 3, 1 / 3)).residual)).toBeLessThan(1e-12);
    expect(norm(nearestInHull(points, f(0, 0, 0)).residual)).toBeCloseTo(1 / Math.sqrt(3), 12);
  });

  it('finds a point no vertex and no random convex combination beats, and whose residual separates the hull', () => {
    const point = (n: number) => fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: n, maxLength: n }).map((v) => Float64Array.from(v));
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }).chain((n) => fc.tuple(fc.array(point(n), { minLength: 1, maxLength: 7 }), point(n))), ([points, target]) => {
        const { weights, residual } = nearestInHull(points, target);
        const nearest = target.map((v, i) => v - residual[i]!);
        const distance = norm(residual);
        // Optimality: no point of the hull lies beyond the plane through the nearest point, normal to the residual.
        for (const p of points) {
          let beyond = 0;
          p.forEach((v, i) => (beyond += (v - nearest[i]!) * residual[i]!));
          expect(beyond).toBeLessThanOrEqual(1e-9 * (1 + distance) * (1 + norm(p)));
        }
        expect(Math.abs(weights.reduce((a, w) => a + w, 0) - 1)).toBeLessThan(1e-12);
        expect(weights.every((w) => w >= 0)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses an empty set of points', () => {
    expect(() => nearestInHull([], f(1))).toThrow(/at least one point/);
  });
});
