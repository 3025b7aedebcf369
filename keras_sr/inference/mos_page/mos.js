// The rater page of a keras_sr MOS study (written by `keras-sr mos make`). A classic
// script, so that index.html also works opened straight from disk (file://).
// Reads window.MOS_STUDY (study.js: item ids and files, pairs; no model names), shuffles
// the trials with the rater's seed (mulberry32 + Fisher-Yates; in pairs mode the sides
// too), records one answer per trial and saves {study, mode, rater, seed, ratings: [...]}
// as a JSON download. window.__mos exposes the state: {trials, index, current, ratings,
// done, result} (the end-to-end test reads it).
'use strict';

(function () {
  const study = window.MOS_STUDY;
  const ACR = [[1, 'Bad'], [2, 'Poor'], [3, 'Fair'], [4, 'Good'], [5, 'Excellent']];
  const state = {trials: [], index: 0, current: null, ratings: [], done: false, result: null};
  window.__mos = state;
  const $ = (id) => document.getElementById(id);

  /** A seeded generator of floats in [0, 1) (mulberry32). */
  function mulberry32(seed) {
    let a = seed >>> 0;
    return function () {
      a = (a + 0x6D2B79F5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  /** Fisher-Yates shuffle of a copy of `array` with `random`. */
  function shuffled(array, random) {
    const copy = array.slice();
    for (let i = copy.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [copy[i], copy[j]] = [copy[j], copy[i]];
    }
    return copy;
  }

  function fail(message) {
    $('status').textContent = message;
    $('status').className = 'error';
    state.error = message;
  }

  /** The rater's trials in their order: items (ACR) or pairs with sides drawn. */
  function makeTrials(seed) {
    const random = mulberry32(seed);
    if (study.mode === 'acr') return shuffled(study.items.map((i) => ({item: i.id})), random);
    return shuffled(study.pairs, random).map((p) => (random() < 0.5
      ? {pair: p.id, left: p.a, right: p.b} : {pair: p.id, left: p.b, right: p.a}));
  }

  const files = Object.fromEntries((study ? study.items : []).map((i) => [i.id, i.file]));
  let shownAt = 0;

  /** Show `images` (element -> item id); enable the answers once all have loaded. */
  function showImages(images, buttons) {
    buttons.forEach((b) => { b.disabled = true; });
    let pending = images.length;
    for (const [img, id] of images) {
      img.onload = () => {
        img.style.width = `${img.naturalWidth}px`;   // the image's own pixel size
        img.style.height = `${img.naturalHeight}px`;
        if (--pending === 0) {
          buttons.forEach((b) => { b.disabled = false; });
          shownAt = performance.now();
        }
      };
      img.onerror = () => fail(`cannot load ${files[id]}`);
      img.src = files[id];
    }
  }

  function showTrial() {
    const trial = state.trials[state.index];
    state.current = trial;
    $('progress').textContent = `${state.index + 1} / ${state.trials.length}`;
    if (study.mode === 'acr') {
      showImages([[$('single'), trial.item]], Array.from($('scale').querySelectorAll('button')));
    } else {
      showImages([[$('left'), trial.left], [$('right'), trial.right]],
                 [$('chooseLeft'), $('chooseRight')]);
    }
  }

  function answer(value) {
    const trial = state.current;
    if (!trial || state.done) return;
    const ms = Math.round(performance.now() - shownAt);
    state.ratings.push(study.mode === 'acr'
      ? {item: trial.item, score: value, ms}
      : {pair: trial.pair, left: trial.left, right: trial.right, choice: value, ms});
    state.index += 1;
    if (state.index < state.trials.length) {
      showTrial();
      return;
    }
    state.current = null;
    state.result.finished = new Date().toISOString();
    state.result.ratings = state.ratings;
    state.done = true;
    $('trial').hidden = true;
    $('done').hidden = false;
    $('count').textContent = String(state.ratings.length);
  }

  function download() {
    const text = JSON.stringify(state.result, null, 1) + '\n';
    const safe = state.result.rater.replace(/[^A-Za-z0-9_-]+/g, '_') || 'rater';
    const link = document.createElement('a');
    link.href = URL.createObjectURL(new Blob([text], {type: 'application/json'}));
    link.download = `ratings_${study.study}_${safe}.json`;
    document.body.appendChild(link);
    link.click();
    link.remove();
    $('saved').textContent = `saved as ${link.download} (in your downloads folder)`;
  }

  function begin(event) {
    event.preventDefault();
    const rater = $('rater').value.trim();
    const seed = Number($('seed').value);
    if (!rater) return fail('enter your name or initials first');
    if (!Number.isInteger(seed) || seed < 0) return fail('the seed must be a whole number >= 0');
    $('status').textContent = '';
    $('status').className = '';
    state.trials = makeTrials(seed);
    state.result = {study: study.study, mode: study.mode, rater, seed,
      started: new Date().toISOString(), finished: null, user_agent: navigator.userAgent,
      display: {width: screen.width, height: screen.height, pixel_ratio: window.devicePixelRatio},
      ratings: []};
    $('start').hidden = true;
    $('trial').hidden = false;
    $(study.mode === 'acr' ? 'acr' : 'pairs').hidden = false;
    showTrial();
  }

  function setUp() {
    if (!study || !Array.isArray(study.items)) {
      fail('study.js is missing: open the index.html that keras-sr mos make wrote');
      return;
    }
    $('instructions').textContent = study.mode === 'acr'
      ? `You will see ${study.items.length} images, one at a time. Rate the quality of each ` +
        'on the scale from 1 (Bad) to 5 (Excellent); keys 1-5 work too. There are no ' +
        'right answers: give your first impression.'
      : `You will see ${study.pairs.length} pairs of images of the same scene. Choose the ` +
        'one of better quality (keys: left and right arrows). If they look the same, ' +
        'pick either.';
    for (const [score, label] of ACR) {
      const button = document.createElement('button');
      button.type = 'button';
      button.dataset.score = String(score);
      button.textContent = `${score} ${label}`;
      button.addEventListener('click', () => answer(score));
      $('scale').appendChild(button);
    }
    $('chooseLeft').addEventListener('click', () => answer('left'));
    $('chooseRight').addEventListener('click', () => answer('right'));
    $('download').addEventListener('click', download);
    $('startForm').addEventListener('submit', begin);
    document.addEventListener('keydown', (event) => {
      if (!state.current || event.target.tagName === 'INPUT') return;
      const buttons = study.mode === 'acr'
        ? {1: '1', 2: '2', 3: '3', 4: '4', 5: '5'} : {ArrowLeft: 'left', ArrowRight: 'right'};
      const value = buttons[event.key];
      const button = value && document.querySelector(
        study.mode === 'acr' ? `[data-score="${value}"]` : `[data-choice="${value}"]`);
      if (button && !button.disabled) button.click();
    });
    const fromUrl = new URLSearchParams(location.search).get('seed');
    $('seed').value = fromUrl !== null ? fromUrl
      : String(crypto.getRandomValues(new Uint32Array(1))[0] >>> 1);
    const rater = new URLSearchParams(location.search).get('rater');
    if (rater) $('rater').value = rater;
  }

  setUp();
})();
