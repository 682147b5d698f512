// The JSON API of movierec serve, with the visitor's id kept in localStorage.
const KEY = 'movierec.user';

async function call(method, path, body) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  if (res.status === 204) return null;
  const data = await res.json().catch(() => ({ error: res.statusText }));
  if (!res.ok) {
    const err = new Error(data.error || res.statusText);
    err.status = res.status;
    throw err;
  }
  return data;
}

export const api = {
  status: () => call('GET', '/api/status'),
  search: (q, limit = 8) => call('GET', `/api/movies?q=${encodeURIComponent(q)}&limit=${limit}`),
  popular: (limit = 24) => call('GET', `/api/movies?limit=${limit}`),
  movie: (id) => call('GET', `/api/movies/${id}`),
  similar: (id, k = 12) => call('GET', `/api/movies/${id}/similar?model=all&k=${k}&min_ratings=10`),
  ratings: (user) => call('GET', `/api/users/${user}/ratings`),
  rate: (user, movieId, rating) => call('POST', `/api/users/${user}/ratings`, { movieId, rating }),
  unrate: (user, movieId) => call('DELETE', `/api/users/${user}/ratings/${movieId}`),
  recommendations: (user, k = 12) => call('GET', `/api/users/${user}/recommendations?k=${k}`),
};

// The visitor's user id: the stored one if the server still knows it, else a new one.
export async function visitor() {
  const saved = Number(localStorage.getItem(KEY));
  if (saved > 0) {
    try {
      const r = await api.ratings(saved);
      return { id: saved, ratings: r.ratings };
    } catch (e) {
      if (e.status !== 404) throw e;
    }
  }
  const created = await call('POST', '/api/users');
  localStorage.setItem(KEY, String(created.id));
  return { id: created.id, ratings: [] };
}
