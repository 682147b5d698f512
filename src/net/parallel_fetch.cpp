#include "net/parallel_fetch.h"

#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <map>
#include <queue>

#include "movierec/errors.h"
#include "net/curl_util.h"

namespace movierec::net {

namespace {

using Clock = std::chrono::steady_clock;

struct Transfer {
  FetchRequest req;
  int attempts = 0;  // finished attempts
  std::string body;
  bool too_big = false;
  std::size_t max = 0;
  char errbuf[CURL_ERROR_SIZE] = {0};
  std::unique_ptr<detail::HeaderList> headers;
  CURL* easy = nullptr;
};

size_t write_body(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::size_t len = size * n;
  if (t->body.size() + len > t->max) {
    t->too_big = true;
    return 0;
  }
  t->body.append(data, len);
  return len;
}

struct Delayed {
  Clock::time_point at;
  std::uint64_t seq;  // FIFO among equal times
  std::unique_ptr<Transfer> t;
  bool operator>(const Delayed& o) const { return at != o.at ? at > o.at : seq > o.seq; }
};

struct DelayedLater {
  bool operator()(const Delayed& a, const Delayed& b) const { return a > b; }
};

}  // namespace

struct ParallelFetcher::Impl {
  HttpOptions opts;
  int max_parallel;
  CURLM* multi = nullptr;
  std::vector<CURL*> idle_easy;  // recycled handles
  // Ready transfers, one queue per host, served round-robin.
  std::map<std::string, std::deque<std::unique_ptr<Transfer>>> ready;
  std::map<std::string, Clock::time_point> host_paused_until;
  std::priority_queue<Delayed, std::vector<Delayed>, DelayedLater> delayed;
  std::map<CURL*, std::unique_ptr<Transfer>> active;
  std::uint64_t seq = 0;
  int peak = 0;
  std::string last_host;  // round-robin cursor

  ~Impl() {
    for (auto& [e, t] : active) {
      curl_multi_remove_handle(multi, e);
      curl_easy_cleanup(e);
    }
    for (CURL* e : idle_easy) curl_easy_cleanup(e);
    if (multi) curl_multi_cleanup(multi);
  }

  std::size_t ready_count() const {
    std::size_t n = 0;
    for (const auto& [h, q] : ready) n += q.size();
    return n;
  }

  void enqueue(std::unique_ptr<Transfer> t) {
    auto host = url_host(t->req.url);
    ready[host].push_back(std::move(t));
  }

  // The next ready transfer whose host is not paused, round-robin over hosts.
  std::unique_ptr<Transfer> next_ready(Clock::time_point now) {
    if (ready.empty()) return nullptr;
    auto it = ready.upper_bound(last_host);
    for (std::size_t k = 0; k < ready.size(); ++k, ++it) {
      if (it == ready.end()) it = ready.begin();
      auto p = host_paused_until.find(it->first);
      if (p != host_paused_until.end() && p->second > now) continue;
      auto t = std::move(it->second.front());
      it->second.pop_front();
      last_host = it->first;
      if (it->second.empty()) ready.erase(it);
      return t;
    }
    return nullptr;
  }

  void start(std::unique_ptr<Transfer> t) {
    CURL* e = nullptr;
    if (!idle_easy.empty()) {
      e = idle_easy.back();
      idle_easy.pop_back();
    } else {
      e = curl_easy_init();
      if (!e) throw IoError("libcurl: cannot create a handle");
    }
    t->body.clear();
    t->too_big = false;
    t->max = opts.max_body_bytes;
    t->headers = std::make_unique<detail::HeaderList>(t->req.headers);
    detail::configure(e, opts, t->req.url, t->headers->get(), t->errbuf);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, t.get());
    t->easy = e;
    if (curl_multi_add_handle(multi, e) != CURLM_OK) {
      idle_easy.push_back(e);
      throw IoError("libcurl: cannot add a transfer");
    }
    active.emplace(e, std::move(t));
    peak = std::max(peak, static_cast<int>(active.size()));
  }

  // Whether a ready transfer could start now (its host is not paused).
  bool has_startable(Clock::time_point now) const {
    for (const auto& [h, q] : ready) {
      auto p = host_paused_until.find(h);
      if (p == host_paused_until.end() || p->second <= now) return true;
    }
    return false;
  }

  // Time until the next delayed transfer or paused host is due.
  int poll_timeout_ms(Clock::time_point now) const {
    Clock::time_point next = now + std::chrono::milliseconds(200);
    if (!delayed.empty()) next = std::min(next, delayed.top().at);
    if (!ready.empty())
      for (const auto& [h, until] : host_paused_until)
        if (until > now && ready.count(h)) next = std::min(next, until);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(next - now).count();
    return static_cast<int>(std::clamp<long long>(ms, 0, 200));
  }
};

ParallelFetcher::ParallelFetcher(HttpOptions opts, int max_parallel) : impl_(std::make_unique<Impl>()) {
  if (max_parallel < 1) throw ConfigError("parallel transfers: expected >= 1, got " + std::to_string(max_parallel));
  detail::ensure_curl_initialised();
  impl_->opts = std::move(opts);
  impl_->max_parallel = max_parallel;
  impl_->multi = curl_multi_init();
  if (!impl_->multi) throw IoError("libcurl: cannot create a multi handle");
  // Keep enough idle connections to reuse one per transfer slot and host.
  curl_multi_setopt(impl_->multi, CURLMOPT_MAXCONNECTS, static_cast<long>(2 * max_parallel + 4));
}

ParallelFetcher::~ParallelFetcher() = default;

int ParallelFetcher::peak_parallel() const { return impl_->peak; }

void ParallelFetcher::add(FetchRequest r) {
  auto t = std::make_unique<Transfer>();
  t->req = std::move(r);
  impl_->enqueue(std::move(t));
}

void ParallelFetcher::run(const std::function<void(FetchResult&)>& on_done) {
  Impl& m = *impl_;
  m.peak = 0;
  while (true) {
    if (cancel_requested()) throw IoError("interrupted");
    auto now = Clock::now();
    while (!m.delayed.empty() && m.delayed.top().at <= now) {
      // priority_queue::top is const; the transfer is moved out before pop.
      auto& top = const_cast<Delayed&>(m.delayed.top());
      auto t = std::move(top.t);
      m.delayed.pop();
      m.enqueue(std::move(t));
    }
    while (static_cast<int>(m.active.size()) < m.max_parallel) {
      auto t = m.next_ready(now);
      if (!t) break;
      m.start(std::move(t));
    }
    if (m.active.empty() && m.ready.empty() && m.delayed.empty()) return;

    int running = 0;
    if (curl_multi_perform(m.multi, &running) != CURLM_OK) throw IoError("libcurl: multi transfer failed");
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(m.multi, &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      CURL* e = msg->easy_handle;
      CURLcode code = msg->data.result;
      auto node = m.active.extract(e);
      std::unique_ptr<Transfer> t = std::move(node.mapped());
      curl_multi_remove_handle(m.multi, e);
      ++t->attempts;
      HttpResponse r;
      r.attempts = t->attempts;
      curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r.status);
      r.retry_after_s = detail::retry_after(e);
      if (const char* ct = nullptr; curl_easy_getinfo(e, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct)
        r.content_type = ct;
      r.curl_code = code;
      if (code == CURLE_ABORTED_BY_CALLBACK && cancel_requested()) {
        curl_easy_cleanup(e);
        throw IoError("interrupted");
      }
      if (code != CURLE_OK)
        r.error = t->too_big ? "response larger than " + std::to_string(m.opts.max_body_bytes) + " bytes"
                             : detail::transfer_error(code, t->errbuf, m.opts);
      else
        r.body = std::move(t->body);
      m.idle_easy.push_back(e);
      t->easy = nullptr;
      t->headers.reset();

      Verdict v = classify(code, r.status);
      if (v == Verdict::kRetry && t->attempts <= m.opts.retries) {
        double wait = retry_delay(t->attempts, m.opts, r.retry_after_s);
        auto at = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(wait));
        if (r.status == 429 || r.status == 503) {
          // The server asked everyone to slow down: hold the whole host.
          auto& until = m.host_paused_until[url_host(t->req.url)];
          until = std::max(until, at);
        }
        m.delayed.push(Delayed{at, m.seq++, std::move(t)});
        continue;
      }
      FetchResult res;
      res.tag = t->req.tag;
      res.url = std::move(t->req.url);
      res.response = std::move(r);
      on_done(res);  // may add(); exceptions propagate, ~Impl cleans up
    }
    // A slot freed up and work is waiting: start it before waiting on sockets.
    if (static_cast<int>(m.active.size()) < m.max_parallel && m.has_startable(Clock::now())) continue;
    if (!m.active.empty()) {
      if (curl_multi_poll(m.multi, nullptr, 0, m.poll_timeout_ms(Clock::now()), nullptr) != CURLM_OK)
        throw IoError("libcurl: poll failed");
    } else if (!m.has_startable(Clock::now())) {
      // Nothing in flight and nothing to start: wait for the next delayed
      // transfer or paused host.
      int ms = m.poll_timeout_ms(Clock::now());
      if (ms > 0) sleep_unless_cancelled(ms / 1000.0);
    }
  }
}

}  // namespace movierec::net
