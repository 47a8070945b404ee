// Markdown tables: number formatting, escaping, alignment and shape errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatNumber, markdownTable } from '../../src/report/markdown.js';

test('formatNumber: integers exact, others to significant digits, scientific when tiny or huge', () => {
  const cases: [number, string][] = [
    [0, '0'], [-0, '0'], [42, '42'], [-7, '-7'], [60000, '60000'], [123456789, '123456789'],
    [0.1 + 0.2, '0.3'], [3.14159265, '3.142'], [-2.5, '-2.5'], [0.0012346, '0.001235'], [12345.678, '12350'],
    [0.00012346, '1.235e-4'], [1e-9, '1e-9'], [-4.2e-7, '-4.2e-7'], [1234567.8, '1.235e6'], [2.5e20, '2.5e20'],
    [1e15, '1e15'], [999999.9, '1e6'], [NaN, 'NaN'], [Infinity, 'Infinity'], [-Infinity, '-Infinity'],
  ];
  for (const [x, want] of cases) assert.equal(formatNumber(x), want, `formatNumber(${x})`);
  assert.equal(formatNumber(Math.PI, 2), '3.1');
  assert.equal(formatNumber(Math.PI, 8), '3.1415927');
  assert.throws(() => formatNumber(1, 0), /digits expected an integer in \[1, 21\], got 0/);
});

test('markdownTable: header, alignment (numbers right by default), escaped pipes and line breaks', () => {
  const table = markdownTable(['model', 'acc', 'note'], [
    ['mlp | wide', 0.88123, 'two\nlines'],
    ['cnn', 0.9, null],
  ]);
  assert.equal(table, [
    '| model | acc | note |',
    '| :--- | ---: | :--- |',
    '| mlp \\| wide | 0.8812 | two<br>lines |',
    '| cnn | 0.9 |  |',
  ].join('\n'));
});

test('markdownTable: explicit align and digits', () => {
  const table = markdownTable(['x', 'y'], [[1.23456, 'a']], { align: ['center', 'right'], digits: 2 });
  assert.equal(table, '| x | y |\n| :---: | ---: |\n| 1.2 | a |');
});

test('markdownTable: rows of the wrong length and bad options are errors naming the row', () => {
  assert.throws(() => markdownTable(['a', 'b'], [[1, 2], [3]]), /row 1 expected 2 cells \(a, b\), got 1/);
  assert.throws(() => markdownTable([], []), /at least one column/);
  assert.throws(() => markdownTable(['a'], [[1]], { align: ['left', 'right'] }), /align expected 1 entries, got 2/);
  assert.throws(() => markdownTable(['a'], [[1]], { align: ['middle' as never] }), /align expected left\|right\|center, got middle/);
});
