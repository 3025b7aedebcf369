// Checks sr_core.js against the golden fixtures the Python reference wrote for the Kotlin
// core (android_demo/core/src/test/resources/golden): the three implementations agree.
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {test} from 'node:test';
import {fileURLToPath} from 'node:url';
import * as core from '../sr_core.js';

const golden = (name) => JSON.parse(readFileSync(fileURLToPath(
  new URL(`../../android_demo/core/src/test/resources/golden/${name}`, import.meta.url)), 'utf8'));

const close = (actual, expected, tol, what) => {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
};

test('pixel conversion and quantization match Python', () => {
  const g = golden('conversion.json');
  const rgba = new Uint8ClampedArray(g.argb.length * 4);
  g.argb.forEach((p, i) => {
    rgba.set([(p >> 16) & 255, (p >> 8) & 255, p & 255, (p >>> 24) & 255], 4 * i);
  });
  const image = core.rgbaToFloat(rgba, g.height, g.width);
  close(image, g.float, 1e-7, 'float');
  for (const c of g.quant) {
    const q = core.quantize(image, c.scale, c.zero_point, c.dtype);
    assert.deepEqual(Array.from(q), c.quantized, `quantize ${c.dtype} ${c.scale}`);
    close(core.dequantize(q, c.scale, c.zero_point), c.dequantized, 1e-6, 'dequantize');
  }
  const out = core.floatToRgba(Float32Array.from(g.output_float), g.height, g.width);
  const expected = g.output_argb.map((p) => [(p >> 16) & 255, (p >> 8) & 255, p & 255, 255]).flat();
  assert.deepEqual(Array.from(out), expected);
});

test('tile starts match Python', () => {
  for (const c of golden('tiles.json').cases) {
    assert.deepEqual(core.tileStarts(c.length, c.tile, c.overlap), c.starts, JSON.stringify(c));
  }
  assert.throws(() => core.tileStarts(10, 4, 2), /tile=4, overlap=2/);
});

const nearest = (t, h, w, s) => {
  const out = new Float32Array(h * s * w * s * 3);
  for (let y = 0; y < h * s; y++) for (let x = 0; x < w * s; x++) for (let c = 0; c < 3; c++) {
    out[(y * w * s + x) * 3 + c] = t[((Math.floor(y / s)) * w + Math.floor(x / s)) * 3 + c];
  }
  return out;
};
const box3 = (t, h, w) => {
  const out = new Float32Array(t.length);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) {
    let s = 0;
    for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
      const sy = Math.min(h - 1, Math.max(0, y + dy));
      const sx = Math.min(w - 1, Math.max(0, x + dx));
      s += t[(sy * w + sx) * 3 + c];
    }
    out[(y * w + x) * 3 + c] = s / 9;
  }
  return out;
};

test('blended tiled output matches Python', async () => {
  for (const c of golden('blend.json').cases) {
    const model = c.model === 'nearest'
      ? (t, h, w) => nearest(t, h, w, c.scale)
      : (t, h, w) => nearest(box3(t, h, w), h, w, c.scale);
    const sr = await core.upscaleTiled(Float32Array.from(c.input), c.height, c.width, 3, c.scale,
                                       c.tile, c.overlap, c.fixed_size, model);
    close(sr, c.expected, 1e-6, c.name);
  }
});

test('sidecar fields match Python expectations', () => {
  for (const c of golden('sidecar.json').cases) {
    const s = core.readSidecar(c.json);
    const e = c.expected;
    assert.equal(s.scale, e.scale);
    assert.equal(s.colorSpace, e.color_space);
    assert.equal(s.input.dtype, e.input_dtype);
    assert.equal(s.output.dtype, e.output_dtype);
    assert.equal(s.output.scale, e.output_scale);
    assert.equal(s.input.scale, e.input_scale);
    assert.equal(s.input.zeroPoint, e.input_zero_point);
    assert.equal(s.output.zeroPoint, e.output_zero_point);
    assert.equal(s.tile, e.tile);
    assert.equal(s.overlap, e.overlap);
  }
  assert.throws(() => core.readSidecar({scale: 2, input: {dtype: 'int16'}}), /input dtype is 'int16'/);
  assert.throws(() => core.readSidecar({channels: 3}), /'scale'/);
});

test('bicubic keeps constants and interpolates a ramp', () => {
  const flat = new Float32Array(5 * 4 * 3).fill(0.3);
  close(core.bicubicUpscale(flat, 5, 4, 3, 2), new Float32Array(10 * 8 * 3).fill(0.3), 1e-6, 'flat');
  const ramp = new Float32Array(1 * 8 * 3).map((_, i) => Math.floor(i / 3) / 7);
  const up = core.bicubicUpscale(ramp, 1, 8, 3, 2);
  // interior output x maps to input (x + 0.5) / 2 - 0.5; a linear ramp is reproduced exactly
  for (let x = 4; x < 12; x++) assert.ok(Math.abs(up[3 * x] - ((x + 0.5) / 2 - 0.5) / 7) < 1e-6, `x=${x}`);
});

test('Y split and merge give back the RGB image', () => {
  const rgb = Float32Array.from({length: 30}, (_, i) => ((i * 37) % 101) / 100);
  close(core.mergeY(core.rgbToY(rgb), rgb), rgb, 2e-3, 'rgb');
  close(core.rgbToY(Float32Array.from([1, 1, 1, 0, 0, 0])), [235 / 255, 16 / 255], 1e-6, 'y');
});
