// The demo page: load a keras_sr .tflite (+ sidecar), upscale an image tile by tile with
// LiteRT.js, show input / bicubic / model with timings. Built-in models and a sample
// image (models/index.json, written by make_models.py) are offered, and on first open the
// first built-in model upscales the sample. URL parameters (used by the e2e test):
// ?model=URL&sidecar=URL&image=URL&tile=N&overlap=N&accelerator=wasm|webgpu.
// The final state is exposed as window.__sr for automation.
import {isWebGPUSupported, loadAndCompile, loadLiteRt, Tensor} from '@litertjs/core';
import * as core from './sr_core.js';

const $ = (id) => document.getElementById(id);
const state = {done: false, error: null, timeMs: null, result: null, info: null, builtin: null};
window.__sr = state;

function setStatus(text, isError = false) {
  $('status').textContent = text;
  $('status').classList.toggle('error', isError);
}

let liteRtReady = null;
function ensureLiteRt() {
  liteRtReady ??= loadLiteRt(new URL('./vendor/litertjs/wasm/', location.href).href);
  return liteRtReady;
}

async function fetchBytes(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`could not fetch ${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** Decodes an image (URL or Blob) to RGBA bytes with no colour management. */
async function decodeImage(source) {
  const blob = typeof source === 'string' ? await (await fetch(source)).blob() : source;
  const bitmap = await createImageBitmap(blob, {colorSpaceConversion: 'none', premultiplyAlpha: 'none'});
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const ctx = canvas.getContext('2d', {willReadFrequently: true});
  ctx.drawImage(bitmap, 0, 0);
  return {width: bitmap.width, height: bitmap.height,
          rgba: ctx.getImageData(0, 0, bitmap.width, bitmap.height).data};
}

function draw(canvasId, rgba, width, height) {
  const canvas = $(canvasId);
  canvas.width = width;
  canvas.height = height;
  canvas.getContext('2d').putImageData(new ImageData(rgba, width, height), 0, 0);
}

/** Describes the compiled model: tile size, scale, channels and IO quantization. */
function describe(compiled, sidecar) {
  const input = compiled.getInputDetails()[0];
  const output = compiled.getOutputDetails()[0];
  const inShape = Array.from(input.shape);
  const outShape = Array.from(output.shape);
  const channels = inShape[3];
  const fixed = inShape[1] > 0 && inShape[2] > 0;
  const scale = sidecar?.scale ?? (fixed ? outShape[1] / inShape[1] : null);
  if (!scale) throw new Error('model has a dynamic input size and no sidecar: cannot tell its scale');
  for (const [name, details] of [['input', input], ['output', output]]) {
    if (!['float32', 'uint8'].includes(details.dtype)) {
      throw new Error(`model ${name} is ${details.dtype}; LiteRT.js takes float32 or uint8 tensors ` +
                      '(export int8 models with `keras-sr export --io uint8`)');
    }
  }
  const quant = (name, dtype) => {
    if (dtype === 'float32') return {scale: 1, zeroPoint: 0};
    const fromSidecar = sidecar?.[name];
    if (fromSidecar?.scale) return {scale: fromSidecar.scale, zeroPoint: fromSidecar.zeroPoint};
    console.warn(`no ${name} quantization in the sidecar: assuming pixel / 255`);
    return {scale: 1 / 255, zeroPoint: 0};
  };
  return {
    channels, scale, fixed, tile: fixed ? inShape[1] : (sidecar?.tile ?? 64),
    inputDtype: input.dtype, outputDtype: output.dtype,
    inputQuant: quant('input', input.dtype), outputQuant: quant('output', output.dtype),
  };
}

/** One tile through the model: floats in, floats out (quantizing as the model needs). */
function tileRunner(compiled, info) {
  return async (patch, h, w) => {
    const data = info.inputDtype === 'float32' ? patch
      : core.quantize(patch, info.inputQuant.scale, info.inputQuant.zeroPoint, 'uint8');
    const input = new Tensor(data, [1, h, w, info.channels]);
    const outputs = await compiled.run(input);
    input.delete();
    let out = outputs[0];
    if (out.accelerator !== 'wasm') {
      const moved = await out.moveTo('wasm');
      out = moved;
    }
    const values = out.toTypedArray();
    const result = info.outputDtype === 'float32' ? Float32Array.from(values)
      : core.dequantize(values, info.outputQuant.scale, info.outputQuant.zeroPoint);
    out.delete();
    return result;
  };
}

async function upscale({modelBytes, sidecar, image, tile, overlap, accelerator}) {
  state.done = false;
  state.error = null;
  setStatus('loading LiteRT.js ...');
  await ensureLiteRt();
  if (accelerator === 'webgpu' && !isWebGPUSupported()) {
    console.warn('WebGPU not available: running on the CPU');
    accelerator = 'wasm';
  }
  const compiled = await loadAndCompile(modelBytes, {accelerator});
  const info = describe(compiled, sidecar);
  state.info = {...info, accelerator};
  const tileSize = info.fixed ? info.tile : (tile || info.tile);
  const ov = Math.min(overlap ?? sidecar?.overlap ?? 8, Math.floor((tileSize - 1) / 2));
  const {width, height, rgba} = image;
  draw('inputCanvas', new Uint8ClampedArray(rgba), width, height);
  const rgb = core.rgbaToFloat(rgba, height, width);
  const s = info.scale;

  let t0 = performance.now();
  const bicubic = core.bicubicUpscale(rgb, height, width, 3, s);
  draw('bicubicCanvas', core.floatToRgba(bicubic, height * s, width * s), width * s, height * s);
  $('bicubicTime').textContent = `(${(performance.now() - t0).toFixed(1)} ms)`;

  // Y models: the network sees luma only; chroma comes from the bicubic image.
  const modelInput = info.channels === 1 ? core.rgbToY(rgb) : rgb;
  const run = tileRunner(compiled, info);
  t0 = performance.now();
  let sr = await core.upscaleTiled(modelInput, height, width, info.channels, s, tileSize, ov,
    info.fixed, run, (done, total) => setStatus(`tile ${done} / ${total}`));
  if (info.channels === 1) sr = core.mergeY(sr, bicubic);
  const ms = performance.now() - t0;
  compiled.delete();
  const out = core.floatToRgba(sr, height * s, width * s);
  draw('modelCanvas', out, width * s, height * s);
  $('modelTime').textContent = `(${ms.toFixed(1)} ms, ${accelerator})`;
  setStatus(`done: ${width}x${height} -> ${width * s}x${height * s} in ${ms.toFixed(1)} ms ` +
            `(tile ${tileSize}, overlap ${ov}, ${info.inputDtype} IO, ${accelerator})`);
  state.timeMs = ms;
  state.result = {width: width * s, height: height * s, rgba: out};
  state.done = true;
}

function fail(error) {
  console.error(error);
  state.error = String(error?.message ?? error);
  state.done = true;
  setStatus(`error: ${state.error}`, true);
}

function sidecarUrlFor(modelUrl) {
  return modelUrl.replace(/\.tflite(\?.*)?$/, '.json');
}

async function runFromUrl(params) {
  const modelUrl = params.get('model');
  const sidecarUrl = params.get('sidecar') ?? sidecarUrlFor(modelUrl);
  let sidecar = null;
  const response = await fetch(sidecarUrl);
  if (response.ok) sidecar = core.readSidecar(await response.json());
  await upscale({
    modelBytes: await fetchBytes(modelUrl), sidecar,
    image: await decodeImage(params.get('image')),
    tile: Number(params.get('tile')) || null,
    overlap: params.has('overlap') ? Number(params.get('overlap')) : null,
    accelerator: params.get('accelerator') ?? 'wasm',
  });
}

const BUILTIN = new URL('./models/', location.href);
let builtins = null;

/** Reads models/index.json and fills the built-in model list. */
async function loadBuiltins() {
  const response = await fetch(new URL('index.json', BUILTIN));
  if (!response.ok) throw new Error(`no built-in models (models/index.json: HTTP ${response.status})`);
  builtins = await response.json();
  const select = $('builtinModel');
  for (const entry of builtins.models) select.add(new Option(entry.label, entry.file));
  select.add(new Option('(your .tflite file)', ''));
  return builtins;
}

/** The model the form asks for: the chosen file, else the selected built-in model. */
async function chosenModel() {
  const modelFile = $('modelFile').files[0];
  if (modelFile) {
    const sidecarFile = $('sidecarFile').files[0];
    return {modelBytes: new Uint8Array(await modelFile.arrayBuffer()),
            sidecar: sidecarFile ? core.readSidecar(JSON.parse(await sidecarFile.text())) : null};
  }
  const file = $('builtinModel').value;
  if (!file) throw new Error('pick a .tflite file, or a built-in model');
  state.builtin = file;
  const modelUrl = new URL(file, BUILTIN).href;
  const response = await fetch(sidecarUrlFor(modelUrl));
  return {modelBytes: await fetchBytes(modelUrl),
          sidecar: response.ok ? core.readSidecar(await response.json()) : null};
}

async function runFromForm() {
  const imageFile = $('imageFile').files[0];
  if (!imageFile && !builtins?.sample) throw new Error('pick an image first');
  const {modelBytes, sidecar} = await chosenModel();
  await upscale({
    modelBytes, sidecar,
    image: await decodeImage(imageFile ?? new URL(builtins.sample, BUILTIN).href),
    tile: Number($('tile').value) || null,
    overlap: $('overlap').value === '' ? null : Number($('overlap').value),
    accelerator: $('accelerator').value,
  });
}

$('run').addEventListener('click', () => runFromForm().catch(fail));
const params = new URLSearchParams(location.search);
if (params.has('model') && params.has('image')) {
  runFromUrl(params).catch(fail);
} else {
  // First open: the first built-in model on the sample image.
  loadBuiltins().then(runFromForm).catch(fail);
}
