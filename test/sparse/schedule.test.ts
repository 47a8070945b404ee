// The RigL update schedule: the research note's check numbers and the dense-gradient accumulation window.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { riglSchedule } from '../../src/sparse/index.js';

test('f(0) = 0.30, f(500) = 0.15, f(1000) = 0 with α = 0.3, T_end = 1000; no update at step ≥ T_end', () => {
  const s = riglSchedule({ alpha: 0.3, totalSteps: 1000, tEndFraction: 1, deltaT: 100 });
  assert.equal(s.tEnd, 1000);
  assert.ok(Math.abs(s.dropFraction(0) - 0.3) < 1e-15);
  assert.ok(Math.abs(s.dropFraction(500) - 0.15) < 1e-15);
  assert.equal(s.dropFraction(1000), 0);
  const updates = Array.from({ length: 1200 }, (_, t) => t).filter((t) => s.isUpdateStep(t));
  assert.deepEqual(updates, [100, 200, 300, 400, 500, 600, 700, 800, 900]);
});

test('T_end defaults to floor(0.75·total); accumulation covers the last n backward passes before each update', () => {
  const s = riglSchedule({ totalSteps: 1001, deltaT: 10, gradAccumulation: 3 });
  assert.equal(s.tEnd, 750);
  assert.equal(s.alpha, 0.3);
  // Backward pass taken with t steps done feeds the update after step t + 1: steps 7, 8, 9 feed step 10.
  const acc = Array.from({ length: 25 }, (_, t) => t).filter((t) => s.accumulates(t));
  assert.deepEqual(acc, [7, 8, 9, 17, 18, 19]);
  assert.equal(s.accumulates(747), true);
  assert.equal(s.accumulates(757), false); // after T_end
  assert.throws(() => riglSchedule({ totalSteps: 100, deltaT: 10, gradAccumulation: 11 }), /gradAccumulation/);
  assert.throws(() => riglSchedule({ totalSteps: 0 }), /totalSteps/);
});
