// A half-star rating control: click (left half of a star = half), or focus it
// and use the arrow keys (0.5 per press), Home/End, Delete to clear.
export function stars(value, onRate, label) {
  const el = document.createElement('div');
  el.className = 'stars';
  el.tabIndex = 0;
  el.setAttribute('role', 'slider');
  el.setAttribute('aria-label', `Your rating of ${label}`);
  el.setAttribute('aria-valuemin', '0');
  el.setAttribute('aria-valuemax', '5');
  const fill = document.createElement('span');
  fill.className = 'fill';
  fill.setAttribute('aria-hidden', 'true');
  el.append(fill);
  let current = value || 0;
  let shown = current;
  const draw = (v) => {
    fill.style.width = `${(v / 5) * 100}%`;
    el.classList.toggle('rated', current > 0);
  };
  const set = (v, commit) => {
    current = v;
    el.setAttribute('aria-valuenow', String(v));
    el.setAttribute('aria-valuetext', v ? `${v} of 5 stars` : 'not rated');
    el.dataset.value = String(v);
    draw(v);
    if (commit) onRate(v);
  };
  const at = (ev) => {
    const r = el.getBoundingClientRect();
    const x = Math.min(Math.max(ev.clientX - r.left, 0), r.width - 0.01);
    return Math.max(0.5, Math.ceil((x / r.width) * 10) / 2);
  };
  el.addEventListener('mousemove', (ev) => { shown = at(ev); draw(shown); });
  el.addEventListener('mouseleave', () => draw(current));
  el.addEventListener('click', (ev) => { ev.preventDefault(); ev.stopPropagation(); set(at(ev), true); });
  el.addEventListener('keydown', (ev) => {
    let v = current;
    if (ev.key === 'ArrowRight' || ev.key === 'ArrowUp') v = Math.min(5, (v || 0) + 0.5);
    else if (ev.key === 'ArrowLeft' || ev.key === 'ArrowDown') v = Math.max(0.5, (v || 1) - 0.5);
    else if (ev.key === 'Home') v = 0.5;
    else if (ev.key === 'End') v = 5;
    else if (ev.key === 'Delete' || ev.key === 'Backspace') v = 0;
    else if (ev.key >= '1' && ev.key <= '5') v = Number(ev.key);
    else return;
    ev.preventDefault();
    set(v, true);
  });
  set(current, false);
  return el;
}
