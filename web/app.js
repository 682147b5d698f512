// movierec's page: search, a movie with its look-alikes by every model, a
// star rating on every poster and a "For you" row that follows the ratings.
import { api, visitor } from './api.js';
import { stars } from './stars.js';

const $ = (id) => document.getElementById(id);
const state = { user: null, ratings: new Map(), models: [], defaultModel: '' };

const MODEL_TITLES = {
  'item-knn': ['People who liked it also liked', 'item-knn: neighbours among the ratings'],
  'user-knn': ['Viewers like its fans liked', 'user-knn'],
  svd: ['Same taste profile', 'svd: matrix factorisation'],
  svdpp: ['Same taste profile', 'svdpp: matrix factorisation'],
  als: ['Same taste profile', 'als: matrix factorisation'],
  ials: ['Watched together', 'ials: implicit ALS'],
  ease: ['Watched together', 'ease: item-item autoencoder'],
  bpr: ['Watched together', 'bpr'],
  poster: ['Posters that look alike', 'poster: CNN features of the image'],
};

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function hue(s) {
  let h = 0;
  for (const c of s) h = (h * 31 + c.codePointAt(0)) % 360;
  return h;
}

// The poster, or a title card where the movie has none.
function posterImage(m, eager) {
  if (m.poster) {
    const img = el('img', 'poster');
    img.src = m.poster;
    img.alt = `Poster of ${m.name}`;
    img.loading = eager ? 'eager' : 'lazy';
    img.decoding = 'async';
    img.width = 185;
    img.height = 278;
    img.addEventListener('error', () => img.replaceWith(titleCard(m)));
    return img;
  }
  return titleCard(m);
}

function titleCard(m) {
  const c = el('div', 'poster titlecard');
  c.style.setProperty('--h', hue(m.title));
  c.append(el('span', 'tc-name', m.name), el('span', 'tc-year', m.year || ''));
  c.setAttribute('role', 'img');
  c.setAttribute('aria-label', `${m.name} (no poster)`);
  return c;
}

async function rate(m, v) {
  try {
    if (v > 0) {
      await api.rate(state.user, m.id, v);
      state.ratings.set(m.id, v);
    } else {
      await api.unrate(state.user, m.id).catch((e) => { if (e.status !== 404) throw e; });
      state.ratings.delete(m.id);
    }
    document.querySelectorAll(`.stars[data-movie="${m.id}"]`).forEach((s) => {
      if (Number(s.dataset.value) !== v) s.replaceWith(starsFor(m));
    });
    updateYou();
    await Promise.all([loadForYou(), updateOnboarding()]);
  } catch (e) {
    toast(`Could not save the rating: ${e.message}`);
  }
}

function starsFor(m) {
  const s = stars(state.ratings.get(m.id) || 0, (v) => rate(m, v), m.name);
  s.dataset.movie = String(m.id);
  return s;
}

function card(m, opts = {}) {
  const c = el('article', 'card');
  c.setAttribute('role', 'listitem');
  c.dataset.movie = String(m.id);
  const a = el('a', 'card-link');
  a.href = `#/movie/${m.id}`;
  a.append(posterImage(m, opts.eager));
  const t = el('span', 'card-title', m.name);
  a.append(t);
  const meta = el('span', 'card-meta', [m.year, (m.genres || []).slice(0, 2).join(' · ')].filter(Boolean).join(' · '));
  a.append(meta);
  a.title = m.title;
  c.append(a, starsFor(m));
  return c;
}

function fillRow(row, movies, opts) {
  row.replaceChildren(...movies.map((m) => card(m, opts)));
}

let forYouCalls = 0;
async function loadForYou() {
  const row = $('foryou-row');
  const n = state.ratings.size;
  const call = ++forYouCalls;
  const r = await api.recommendations(state.user, 12);
  // Ratings given quickly start overlapping calls; an older answer arriving last
  // must not replace the row computed from more ratings.
  if (call !== forYouCalls) return;
  row.dataset.ids = r.recommendations.map((m) => m.id).join(',');
  fillRow(row, r.recommendations);
  $('foryou-note').textContent = n === 0
    ? 'Popular picks: rate a few movies and this row becomes yours.'
    : `From your ${n} rating${n > 1 ? 's' : ''}, by ${r.model}. Updated as you rate.`;
}

async function updateOnboarding() {
  const n = state.ratings.size;
  const sec = $('onboard');
  const onHome = !location.hash.startsWith('#/movie/');
  sec.hidden = !onHome || n >= 10;
  // A first visit starts with the grid; "For you" appears with the first rating.
  $('foryou').hidden = onHome && n === 0;
  if (n < 5) $('main').insertBefore(sec, $('foryou'));
  else $('main').append(sec);
  $('onboard-note').textContent = n < 5
    ? `${n} of 5 rated. Rate what you have seen; a low rating counts against its look-alikes.`
    : 'Nice: keep rating to sharpen "For you".';
  if (!sec.hidden && !$('onboard-grid').childElementCount) {
    const p = await api.popular(24);
    fillRow($('onboard-grid'), p.movies);
  }
}

function updateYou() {
  const n = state.ratings.size;
  $('you').textContent = n ? `${n} rated` : '';
}

async function showMovie(id) {
  const sec = $('movie');
  const sim = $('similar');
  sec.hidden = false;
  sim.hidden = false;
  sec.replaceChildren(el('div', 'loading', 'Loading…'));
  let data;
  try {
    data = await api.similar(id, 12);
  } catch (e) {
    sec.replaceChildren(el('p', 'error', e.status === 404 ? 'No such movie.' : e.message));
    sim.replaceChildren();
    return;
  }
  const m = data.movie;
  document.title = `${m.name}${m.year ? ` (${m.year})` : ''}: movierec`;
  const hero = el('div', 'hero');
  const art = el('div', 'hero-art');
  art.append(posterImage(m, true));
  const info = el('div', 'hero-info');
  info.append(el('h1', 'hero-title', m.name));
  const facts = el('p', 'facts');
  facts.append(
    el('span', 'year', m.year || ''),
    ...(m.genres || []).map((g) => el('span', 'chip', g)),
  );
  info.append(facts);
  if (m.meanRating !== null) {
    info.append(el('p', 'mean', `★ ${m.meanRating.toFixed(1)} average from ${m.ratings} rating${m.ratings === 1 ? '' : 's'}`));
  }
  const yours = el('div', 'yours');
  yours.append(el('span', 'yours-label', 'Your rating'), starsFor(m));
  info.append(yours);
  const links = el('p', 'links');
  if (m.imdbId) {
    const a = el('a', '', 'IMDb');
    a.href = `https://www.imdb.com/title/tt${String(m.imdbId).padStart(7, '0')}/`;
    a.rel = 'noopener';
    links.append(a);
  }
  if (m.tmdbId) {
    const a = el('a', '', 'TMDB');
    a.href = `https://www.themoviedb.org/movie/${m.tmdbId}`;
    a.rel = 'noopener';
    links.append(a);
  }
  info.append(links);
  hero.append(art, info);
  sec.replaceChildren(hero);

  const rows = data.models.map((l) => {
    const s = el('section', 'shelf');
    s.dataset.model = l.model;
    const head = el('div', 'shelf-head');
    const [title, sub] = MODEL_TITLES[l.model] || [l.model, l.model];
    const h = el('h2', '', title);
    head.append(h, el('p', 'note', sub));
    const row = el('div', 'row');
    row.setAttribute('role', 'list');
    row.setAttribute('aria-label', `${title} (${l.model})`);
    fillRow(row, l.similar);
    s.append(head, row);
    return s;
  });
  sim.replaceChildren(...rows);
  // The movie first, then its look-alikes, then "For you".
  $('main').insertBefore(sim, $('foryou'));
  window.scrollTo({ top: 0 });
}

function route() {
  const m = location.hash.match(/^#\/movie\/(\d+)/);
  if (m) {
    $('onboard').hidden = true;
    $('foryou').hidden = false;
    showMovie(Number(m[1]));
  } else {
    document.title = 'movierec: what to watch tonight';
    $('movie').hidden = true;
    $('similar').hidden = true;
    updateOnboarding();
  }
}

// Search box with autocomplete (combobox pattern: arrows, Enter, Escape).
function setupSearch() {
  const input = $('q');
  const list = $('suggestions');
  let active = -1;
  let items = [];
  let timer = 0;
  let seq = 0;
  const close = () => {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  };
  const highlight = (i) => {
    active = i;
    [...list.children].forEach((li, k) => li.setAttribute('aria-selected', String(k === i)));
    if (i >= 0) input.setAttribute('aria-activedescendant', list.children[i].id);
  };
  const open = (m) => {
    close();
    input.value = '';
    input.blur();
    location.hash = `#/movie/${m.id}`;
  };
  input.addEventListener('input', () => {
    clearTimeout(timer);
    const q = input.value.trim();
    if (!q) { close(); return; }
    timer = setTimeout(async () => {
      const mine = ++seq;
      const r = await api.search(q, 8).catch(() => ({ movies: [] }));
      if (mine !== seq) return;
      items = r.movies;
      list.replaceChildren(...items.map((m, k) => {
        const li = el('li', 'sugg');
        li.id = `sugg-${k}`;
        li.setAttribute('role', 'option');
        const thumb = m.poster ? Object.assign(el('img', 'thumb'), { src: m.poster, alt: '' }) : el('span', 'thumb none');
        const text = el('span', 'sugg-text');
        text.append(el('span', 'sugg-name', m.name), el('span', 'sugg-meta',
          [m.year, `${m.ratings} ratings`].filter(Boolean).join(' · ')));
        li.append(thumb, text);
        li.addEventListener('mousedown', (ev) => { ev.preventDefault(); open(m); });
        return li;
      }));
      if (!items.length) list.replaceChildren(el('li', 'sugg empty', 'No movie matches'));
      list.hidden = false;
      input.setAttribute('aria-expanded', 'true');
      highlight(items.length ? 0 : -1);
    }, 120);
  });
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'ArrowDown' && items.length) { ev.preventDefault(); highlight((active + 1) % items.length); }
    else if (ev.key === 'ArrowUp' && items.length) { ev.preventDefault(); highlight((active - 1 + items.length) % items.length); }
    else if (ev.key === 'Enter' && !list.hidden && items[Math.max(active, 0)]) { ev.preventDefault(); open(items[Math.max(active, 0)]); }
    else if (ev.key === 'Escape') close();
  });
  input.addEventListener('blur', () => setTimeout(close, 150));
  document.addEventListener('keydown', (ev) => {
    if (ev.key === '/' && document.activeElement !== input) { ev.preventDefault(); input.focus(); }
  });
}

let toastTimer = 0;
function toast(text) {
  let t = document.querySelector('.toast');
  if (!t) { t = el('div', 'toast'); t.setAttribute('role', 'status'); document.body.append(t); }
  t.textContent = text;
  t.classList.add('show');
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => t.classList.remove('show'), 4000);
}

async function main() {
  setupSearch();
  try {
    const [status, me] = await Promise.all([api.status(), visitor()]);
    state.user = me.id;
    for (const r of me.ratings) state.ratings.set(r.movieId, r.rating);
    state.models = status.models.map((m) => m.name);
    state.defaultModel = status.defaultModel;
    $('status').textContent =
      `${status.dataset.name}: ${status.dataset.movies.toLocaleString()} movies · models ${state.models.join(', ')} · you are user ${me.id}`;
    updateYou();
    window.addEventListener('hashchange', route);
    route();
    await loadForYou();
    document.body.dataset.ready = '1';
  } catch (e) {
    $('main').prepend(el('p', 'error', `The server did not answer: ${e.message}`));
  }
}

main();
