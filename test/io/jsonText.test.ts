// parseJsonText: the value of good JSON; for bad JSON one error text whatever the engine (the browser's V8
// appends its own line/column, Node 20's does not), naming the op, the file and the line and column.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseJsonText } from '../../src/io/jsonText.js';
import { TesseraError } from '../../src/core/errors.js';

test('parseJsonText returns the parsed value', () => {
  assert.deepEqual(parseJsonText('{"a": [1, 2.5, null]}', 'config.json', 'op'), { a: [1, 2.5, null] });
});

test('parseJsonText: a parse error names op, file, position, line and column', () => {
  const text = '{\n  "hidden": 64,\n}';
  assert.throws(() => parseJsonText(text, 'config.json', 'parallel plan'), (e: unknown) => {
    assert.ok(e instanceof TesseraError);
    // The trailing comma: position 18 is the "}" on line 3, column 1.
    assert.match(e.message, /^parallel plan: config\.json: expected JSON, got a parse error: .* at position 18 \(line 3, column 1\)$/);
    return true;
  });
});

test('parseJsonText: input that ends early has no position and no suffix', () => {
  assert.throws(() => parseJsonText('', 'x.json', 'op'), { message: /^op: x\.json: expected JSON, got a parse error: Unexpected end of JSON input$/ });
});
