// Pure functions of the web demo (no DOM, no LiteRT): pixel <-> tensor conversion with
// TFLite quantization, tile layout, overlap blending, bicubic baseline, sidecar reading.
// Same rules as the Kotlin core (android_demo/core) and its Python reference
// (android_demo/core/make_golden.py); tests/sr_core.test.mjs checks them on the same
// golden fixtures.

/** RGBA bytes (canvas ImageData) -> Float32Array HxWx3 in [0, 1]. */
export function rgbaToFloat(rgba, height, width) {
  const out = new Float32Array(height * width * 3);
  for (let i = 0; i < height * width; i++) {
    out[3 * i] = rgba[4 * i] / 255;
    out[3 * i + 1] = rgba[4 * i + 1] / 255;
    out[3 * i + 2] = rgba[4 * i + 2] / 255;
  }
  return out;
}

/** Float HxWx3 -> opaque RGBA bytes; channel = floor(clamp(x, 0, 1) * 255 + 0.5). */
export function floatToRgba(values, height, width) {
  const out = new Uint8ClampedArray(height * width * 4);
  for (let i = 0; i < height * width; i++) {
    for (let c = 0; c < 3; c++) {
      const x = Math.min(1, Math.max(0, values[3 * i + c]));
      out[4 * i + c] = Math.floor(x * 255 + 0.5);
    }
    out[4 * i + 3] = 255;
  }
  return out;
}

/** Rounds half away from zero, as TFLite's quantize kernel does. */
export function roundHalfAway(x) {
  return x >= 0 ? Math.floor(x + 0.5) : -Math.floor(-x + 0.5);
}

const RANGES = {uint8: [0, 255], int8: [-128, 127]};

/** q = clamp(round(x / scale) + zeroPoint) for dtype 'uint8' or 'int8'. */
export function quantize(values, scale, zeroPoint, dtype) {
  const range = RANGES[dtype];
  if (!range) throw new Error(`quantize: dtype is '${dtype}', expected uint8 or int8`);
  const out = dtype === 'uint8' ? new Uint8Array(values.length) : new Int8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const q = roundHalfAway(values[i] / scale) + zeroPoint;
    out[i] = Math.min(range[1], Math.max(range[0], q));
  }
  return out;
}

/** (q - zeroPoint) * scale, as Float32Array. */
export function dequantize(q, scale, zeroPoint) {
  const out = new Float32Array(q.length);
  for (let i = 0; i < q.length; i++) out[i] = (q[i] - zeroPoint) * scale;
  return out;
}

/**
 * Start offsets of tiles of size `tile` along `length`, sharing `overlap` pixels; tiles
 * advance by tile - overlap and the last one ends exactly at `length`.
 */
export function tileStarts(length, tile, overlap) {
  if (!(tile > 0 && overlap >= 0 && 2 * overlap < tile)) {
    throw new Error(`need tile > 0 and 0 <= overlap < tile / 2, got tile=${tile}, overlap=${overlap}`);
  }
  if (length <= tile) return [0];
  const starts = [];
  for (let s = 0; s < length - tile; s += tile - overlap) starts.push(s);
  starts.push(length - tile);
  return starts;
}

/** 1-D output weights per tile: ramps (i + 0.5) / n across overlaps, 1 elsewhere. */
export function rampWeights(starts, extent, scale) {
  return starts.map((start, k) => {
    const n = extent * scale;
    const w = new Float64Array(n).fill(1);
    if (k > 0) {
      const ramp = (starts[k - 1] + extent - start) * scale;
      for (let i = 0; i < ramp; i++) w[i] = Math.min(w[i], (i + 0.5) / ramp);
    }
    if (k < starts.length - 1) {
      const ramp = (start + extent - starts[k + 1]) * scale;
      for (let i = 0; i < ramp; i++) w[n - 1 - i] = Math.min(w[n - 1 - i], (i + 0.5) / ramp);
    }
    return w;
  });
}

/** The crop [y, y+h) x [x, x+w) of an HxWxC float image, edge-padded to padH x padW. */
export function crop(image, width, channels, y, x, h, w, padH = h, padW = w) {
  const out = new Float32Array(padH * padW * channels);
  for (let i = 0; i < padH; i++) {
    const sy = y + Math.min(i, h - 1);
    for (let j = 0; j < padW; j++) {
      const sx = x + Math.min(j, w - 1);
      const src = (sy * width + sx) * channels;
      out.set(image.subarray(src, src + channels), (i * padW + j) * channels);
    }
  }
  return out;
}

/**
 * Tiled upscaling with linear-ramp blending.
 * @param {Float32Array} image HxWxC floats.
 * @param {function(Float32Array, number, number): Promise<Float32Array>|Float32Array} model
 *   runs on one tile (data, tileHeight, tileWidth) and returns its (h*s)x(w*s)xC output.
 * @param {boolean} fixedSize true when the model only takes tile x tile inputs.
 * @param {function(number, number)} onTile progress callback (done, total).
 */
export async function upscaleTiled(image, height, width, channels, scale, tile, overlap,
                                   fixedSize, model, onTile = () => {}) {
  const ys = tileStarts(height, tile, overlap);
  const xs = tileStarts(width, tile, overlap);
  const th = Math.min(tile, height);
  const tw = Math.min(tile, width);
  const wy = rampWeights(ys, th, scale);
  const wx = rampWeights(xs, tw, scale);
  const outH = height * scale;
  const outW = width * scale;
  const acc = new Float64Array(outH * outW * channels);
  const norm = new Float64Array(outH * outW);
  let done = 0;
  for (let i = 0; i < ys.length; i++) {
    for (let j = 0; j < xs.length; j++) {
      const ph = fixedSize ? tile : th;
      const pw = fixedSize ? tile : tw;
      const patch = crop(image, width, channels, ys[i], xs[j], th, tw, ph, pw);
      const sr = await model(patch, ph, pw);
      if (sr.length !== ph * scale * pw * scale * channels) {
        throw new Error(`model returned ${sr.length} values for a ${ph}x${pw}x${channels} tile, ` +
                        `expected ${ph * scale * pw * scale * channels}`);
      }
      const srW = pw * scale;
      for (let oy = 0; oy < th * scale; oy++) {
        const row = (ys[i] * scale + oy) * outW + xs[j] * scale;
        for (let ox = 0; ox < tw * scale; ox++) {
          const weight = wy[i][oy] * wx[j][ox];
          const src = (oy * srW + ox) * channels;
          for (let c = 0; c < channels; c++) acc[(row + ox) * channels + c] += sr[src + c] * weight;
          norm[row + ox] += weight;
        }
      }
      onTile(++done, ys.length * xs.length);
    }
  }
  const out = new Float32Array(acc.length);
  for (let k = 0; k < acc.length; k++) out[k] = acc[k] / norm[Math.floor(k / channels)];
  return out;
}

/** Bicubic (Keys, a = -0.5) upscaling of HxWxC floats by an integer scale, edge clamped. */
export function bicubicUpscale(image, height, width, channels, scale) {
  const cubic = (t) => {
    const a = -0.5;
    t = Math.abs(t);
    if (t <= 1) return (a + 2) * t ** 3 - (a + 3) * t ** 2 + 1;
    if (t < 2) return a * t ** 3 - 5 * a * t ** 2 + 8 * a * t - 4 * a;
    return 0;
  };
  const taps = (outLen, inLen) => Array.from({length: outLen}, (_, o) => {
    const center = (o + 0.5) / scale - 0.5;
    const left = Math.floor(center) - 1;
    const idx = [];
    const wts = [];
    for (let k = 0; k < 4; k++) {
      idx.push(Math.min(inLen - 1, Math.max(0, left + k)));
      wts.push(cubic(center - (left + k)));
    }
    return {idx, wts};
  });
  const outH = height * scale;
  const outW = width * scale;
  const ty = taps(outH, height);
  const tx = taps(outW, width);
  const rows = new Float32Array(height * outW * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < outW; x++) {
      for (let c = 0; c < channels; c++) {
        let s = 0;
        for (let k = 0; k < 4; k++) s += tx[x].wts[k] * image[(y * width + tx[x].idx[k]) * channels + c];
        rows[(y * outW + x) * channels + c] = s;
      }
    }
  }
  const out = new Float32Array(outH * outW * channels);
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      for (let c = 0; c < channels; c++) {
        let s = 0;
        for (let k = 0; k < 4; k++) s += ty[y].wts[k] * rows[(ty[y].idx[k] * outW + x) * channels + c];
        out[(y * outW + x) * channels + c] = s;
      }
    }
  }
  return out;
}

/**
 * What the page needs from a sidecar JSON object, as keras_sr.export.sidecar writes it:
 * `scale`, `channels`, `colour_space`, nested `input`/`output` ({dtype, shape,
 * quant_scale, quant_zero_point}) and `tile: {size, overlap}` where the model sees
 * size + 2 * overlap pixels. Returned `tile` is the model-input tile (size + 2 * overlap)
 * and `overlap` the pixels neighbouring tiles share (2 * overlap); a fixed-size model's own
 * input size wins. Flat keys (`input_dtype`, `input_scale`, `tile_size`, `overlap`) work too.
 */
export function readSidecar(json) {
  if (json === null || typeof json !== 'object') throw new Error('sidecar must be a JSON object');
  if (!(json.scale >= 1)) throw new Error(`sidecar 'scale' is ${json.scale}, expected an integer >= 1`);
  const tensor = (prefix) => {
    const nested = (json[prefix] && typeof json[prefix] === 'object') ? json[prefix] : {};
    const dtype = String(nested.dtype ?? json[`${prefix}_dtype`] ?? 'float32').toLowerCase();
    if (!['float32', 'uint8', 'int8'].includes(dtype)) {
      throw new Error(`sidecar ${prefix} dtype is '${dtype}', expected float32, uint8 or int8`);
    }
    const scale = nested.quant_scale ?? json[`${prefix}_scale`] ?? null;
    const zeroPoint = nested.quant_zero_point ?? json[`${prefix}_zero_point`] ?? 0;
    if (dtype !== 'float32' && scale === null) {
      throw new Error(`sidecar ${prefix} dtype is ${dtype} but has no quantization scale`);
    }
    return {dtype, scale: dtype === 'float32' ? 1 : scale, zeroPoint: dtype === 'float32' ? 0 : zeroPoint,
            shape: nested.shape ?? json[`${prefix}_shape`] ?? null};
  };
  const input = tensor('input');
  const output = tensor('output');
  let tile;
  let overlap;
  if (json.tile && typeof json.tile === 'object') {
    const margin = json.tile.overlap ?? 4;
    tile = (json.tile.size ?? 64 - 2 * margin) + 2 * margin;
    overlap = 2 * margin;
  } else {
    tile = json.tile_size ?? 64;
    overlap = json.overlap ?? 8;
  }
  const shape = input.shape;
  if (shape && shape[1] > 0 && shape[2] > 0) tile = Math.min(shape[1], shape[2]);
  if (2 * overlap >= tile) overlap = Math.floor((tile - 1) / 2);
  const colour = String(json.colour_space ?? json.color_space ?? (json.channels === 1 ? 'y' : 'rgb')).toLowerCase();
  return {
    scale: json.scale,
    channels: json.channels ?? 3,
    colorSpace: colour.startsWith('y') ? 'y' : colour.startsWith('rgb') ? 'rgb' : colour,
    input, output, tile, overlap,
  };
}

/** RGB floats -> Y (ITU-R BT.601, [16, 235] / 255), as keras_sr.image.color.rgb_to_y. */
export function rgbToY(rgb) {
  const y = new Float32Array(rgb.length / 3);
  for (let i = 0; i < y.length; i++) {
    y[i] = (16 + 65.481 * rgb[3 * i] + 128.553 * rgb[3 * i + 1] + 24.966 * rgb[3 * i + 2]) / 255;
  }
  return y;
}

/** Combines a model's Y with the Cb/Cr of an RGB image of the same size (BT.601). */
export function mergeY(y, rgb) {
  const out = new Float32Array(rgb.length);
  for (let i = 0; i < y.length; i++) {
    const r = rgb[3 * i];
    const g = rgb[3 * i + 1];
    const b = rgb[3 * i + 2];
    const cb = (128 - 37.797 * r - 74.203 * g + 112.0 * b) / 255 - 128 / 255;
    const cr = (128 + 112.0 * r - 93.786 * g - 18.214 * b) / 255 - 128 / 255;
    const luma = (y[i] * 255 - 16) / 219;
    out[3 * i] = luma + 1.402 * cr * 255 / 224;
    out[3 * i + 1] = luma - (0.344136 * cb + 0.714136 * cr) * 255 / 224;
    out[3 * i + 2] = luma + 1.772 * cb * 255 / 224;
  }
  return out;
}
