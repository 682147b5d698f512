#include "serve/server.h"

#include <fmt/format.h>
#include <httplib.h>
#include <sys/stat.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "movierec/errors.h"
#include "serve/web_assets.h"
#include "util/strings.h"

namespace movierec::serve {

using nlohmann::json;

namespace {

// One route: what the router matches, what metrics and the OpenAPI file call it.
struct Route {
  const char* method;
  const char* pattern;  // regex for cpp-httplib
  const char* label;    // OpenAPI path
  const char* summary;
  std::vector<const char*> query;  // query parameters
  bool json_body = false;
};

const std::vector<Route>& routes() {
  static const std::vector<Route> r = {
      {"GET", "/healthz", "/healthz", "Liveness: 200 while the server runs", {}},
      {"GET", "/metrics", "/metrics", "Prometheus metrics (text format)", {}},
      {"GET", "/api/status", "/api/status", "Dataset, models, model version, refit progress", {}},
      {"GET", "/api/openapi.json", "/api/openapi.json", "This description", {}},
      {"GET",
       "/api/movies",
       "/api/movies",
       "Title search (case- and accent-insensitive, year optional); without q the most rated movies",
       {"q", "limit"}},
      {"GET", R"(/api/movies/([^/]+))", "/api/movies/{id}", "One movie", {}},
      {"GET",
       R"(/api/movies/([^/]+)/similar)",
       "/api/movies/{id}/similar",
       "Movies similar to one movie by a model's item similarity; model=all: one list per model",
       {"model", "k", "min_ratings"}},
      {"POST", "/api/users", "/api/users", "Creates a user; returns its id", {}},
      {"GET", R"(/api/users/([^/]+)/ratings)", "/api/users/{id}/ratings", "The ratings stored for a user", {}},
      {"POST",
       R"(/api/users/([^/]+)/ratings)",
       "/api/users/{id}/ratings",
       "Stores ratings ({\"movieId\": 6, \"rating\": 4.5} or {\"ratings\": [...]}); 201 after the commit",
       {},
       true},
      {"DELETE",
       R"(/api/users/([^/]+)/ratings/([^/]+))",
       "/api/users/{id}/ratings/{movieId}",
       "Removes one rating",
       {}},
      {"GET",
       R"(/api/users/([^/]+)/recommendations)",
       "/api/users/{id}/recommendations",
       "Top-k unrated movies for a user (dataset or API), new ratings folded in",
       {"model", "k"}},
      {"POST",
       "/api/recommendations",
       "/api/recommendations",
       "Top-k for anonymous ratings ({\"ratings\": [...], \"model\", \"k\"}); nothing stored",
       {},
       true},
      {"POST",
       "/api/admin/refit",
       "/api/admin/refit",
       "Refits every model on the dataset plus stored ratings in the background (Bearer token)",
       {}},
      {"GET", R"(/posters/([^/]+))", "/posters/{file}", "Poster image of a movie: <movieId>.jpg", {}},
  };
  return r;
}

// JSON text of a response. Paths, headers and parse errors carry the client's bytes:
// invalid UTF-8 becomes U+FFFD (nlohmann's default throws, and a throw from the
// error handler ended the server: GET /%FF).
std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

json error_json(const std::string& msg, const std::string& parameter) {
  return {{"error", msg}, {"parameter", parameter.empty() ? json(nullptr) : json(parameter)}};
}

// Request timing and route for the access log and metrics (httplib serves a
// request on one thread from reading to logging).
thread_local std::chrono::steady_clock::time_point t_start;
thread_local bool t_started = false;
thread_local int t_route = -1;  // index into Metrics::labels, -1: no route matched

constexpr std::array<double, 11> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0};
constexpr std::array<int, 15> kStatuses = {200, 201, 202, 204, 304, 400, 401, 404, 405, 409, 413, 415, 422, 500, 503};

// Counters without a lock on the request path: every request thread adds to
// atomics (a mutex here, held by a thread the scheduler parks, stalled every
// other request on a busy machine).
struct Metrics {
  struct Route {
    std::array<std::atomic<std::uint64_t>, kStatuses.size()> by_status{};
    std::array<std::atomic<std::uint64_t>, kBuckets.size()> le{};
    std::atomic<std::uint64_t> count{0};
    std::atomic<std::uint64_t> sum_ns{0};
  };
  std::vector<std::string> labels;  // fixed before the server starts
  std::unique_ptr<Route[]> routes;
  std::mutex rare_mu;  // statuses outside kStatuses
  std::map<std::pair<int, int>, std::uint64_t> rare;

  void init(std::vector<std::string> l) {
    labels = std::move(l);
    routes = std::make_unique<Route[]>(labels.size());
  }
  int index(const std::string& label) const {
    for (std::size_t k = 0; k < labels.size(); ++k)
      if (labels[k] == label) return static_cast<int>(k);
    return -1;
  }
  void add(int route, int status, double seconds) {
    Route& r = routes[static_cast<std::size_t>(route)];
    auto st = std::find(kStatuses.begin(), kStatuses.end(), status);
    if (st != kStatuses.end()) {
      r.by_status[static_cast<std::size_t>(st - kStatuses.begin())].fetch_add(1, std::memory_order_relaxed);
    } else {
      std::lock_guard lock(rare_mu);
      ++rare[{route, status}];
    }
    if (seconds < 0) return;
    for (std::size_t b = 0; b < kBuckets.size(); ++b)
      if (seconds <= kBuckets[b]) r.le[b].fetch_add(1, std::memory_order_relaxed);
    r.count.fetch_add(1, std::memory_order_relaxed);
    r.sum_ns.fetch_add(static_cast<std::uint64_t>(seconds * 1e9), std::memory_order_relaxed);
  }
};

long long parse_id(const std::string& s, const char* parameter) {
  long long v = 0;
  if (!parse_int64(s, v) || v < 0)
    throw ApiError(400, std::string(parameter) + " must be a non-negative integer, got \"" + s + "\"", parameter);
  return v;
}

std::size_t query_size(const httplib::Request& req, const char* name, std::size_t def, std::size_t max) {
  if (!req.has_param(name)) return def;
  const std::string s = req.get_param_value(name);
  long long v = 0;
  if (!parse_int64(s, v) || v < 0 || static_cast<unsigned long long>(v) > max)
    throw ApiError(
        400, std::string(name) + " must be an integer in [0, " + std::to_string(max) + "], got \"" + s + "\"", name);
  return static_cast<std::size_t>(v);
}

// "Matrix, The (1999)" -> "The Matrix".
std::string display_name(const Movie& m) {
  std::string t = m.title;
  if (t.size() > 7 && t.back() == ')') {
    auto open = t.rfind(" (");
    if (open != std::string::npos && t.size() - open == 7) t = t.substr(0, open);
  }
  // Alternative titles: "Seven (a.k.a. Se7en)", "Rumble in the Bronx (Hont faan kui)".
  if (auto alt = t.find(" ("); alt != std::string::npos && alt > 0) t = t.substr(0, alt);
  for (const char* art : {", The", ", A", ", An", ", Les", ", La", ", Le", ", L'", ", Il", ", El", ", Die", ", Das"}) {
    const std::string a(art);
    if (t.size() > a.size() && t.compare(t.size() - a.size(), a.size(), a) == 0) {
      std::string first = a.substr(2);
      return first + (first.back() == '\'' ? "" : " ") + t.substr(0, t.size() - a.size());
    }
  }
  return t;
}

std::string etag_of(std::string_view data) {
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (unsigned char c : data) h = (h ^ c) * 1099511628211ull;
  char buf[24];
  std::snprintf(buf, sizeof buf, "\"%016llx\"", static_cast<unsigned long long>(h));
  return buf;
}

const char* image_type(const std::filesystem::path& p) {
  std::string ext = to_lower(p.extension().string());
  if (ext == ".png") return "image/png";
  if (ext == ".webp") return "image/webp";
  return "image/jpeg";
}

}  // namespace

std::string openapi_json() {
  json paths = json::object();
  for (const Route& r : routes()) {
    json op = {{"summary", r.summary}, {"responses", {{"200", {{"description", "OK"}}}}}};
    json params = json::array();
    const std::string label = r.label;
    for (const char* p : {"id", "movieId", "file"})
      if (label.find(std::string("{").append(p).append("}")) != std::string::npos)
        params.push_back({{"name", p},
                          {"in", "path"},
                          {"required", true},
                          {"schema", {{"type", std::string(p) == "file" ? "string" : "integer"}}}});
    for (const char* q : r.query)
      params.push_back(
          {{"name", q},
           {"in", "query"},
           {"required", false},
           {"schema", {{"type", std::string(q) == "q" || std::string(q) == "model" ? "string" : "integer"}}}});
    if (!params.empty()) op["parameters"] = params;
    if (r.json_body)
      op["requestBody"] = {{"required", true}, {"content", {{"application/json", {{"schema", {{"type", "object"}}}}}}}};
    std::string m = to_lower(r.method);
    if (m == "post") op["responses"] = {{"201", {{"description", "Created"}}}};
    if (label == "/api/admin/refit") op["responses"] = {{"202", {{"description", "Accepted"}}}};
    if (label == "/api/users/{id}/ratings/{movieId}") op["responses"] = {{"204", {{"description", "Removed"}}}};
    json error_schema = {{"type", "object"}};
    error_schema["properties"]["error"] = {{"type", "string"}};
    error_schema["properties"]["parameter"] = {{"type", "string"}, {"nullable", true}};
    op["responses"]["default"]["description"] = "Error: {\"error\": message, \"parameter\": name or null}";
    op["responses"]["default"]["content"]["application/json"]["schema"] = error_schema;
    paths[label][m] = op;
  }
  paths["/"]["get"] = {{"summary", "The web page"}, {"responses", {{"200", {{"description", "HTML"}}}}}};
  json doc = {
      {"openapi", "3.0.3"},
      {"info", {{"title", "movierec"}, {"version", "0.1.0"}, {"description", "Movie recommendations over HTTP"}}},
      {"paths", paths}};
  return doc.dump(2);
}

struct Server::Impl {
  Service& svc;
  ServerOptions opts;
  httplib::Server http;
  Metrics metrics;
  std::map<std::string, std::pair<const WebAsset*, std::string>> assets;  // path -> asset, etag
  std::string openapi = openapi_json();

  Impl(Service& s, ServerOptions o) : svc(s), opts(std::move(o)) {}

  json movie_json(const ModelSet& set, ItemIndex i) const {
    const Movie& m = set.ds->movies[i];
    const float mean = set.mean_rating[i];
    return {{"id", m.id},
            {"title", m.title},
            {"name", display_name(m)},
            {"year", m.year ? json(m.year) : json(nullptr)},
            {"genres", m.genres},
            {"ratings", i < set.ds->ratings.n_items() ? set.ds->ratings.item_count(i) : 0},
            {"meanRating", std::isnan(mean) ? json(nullptr) : json(std::round(double(mean) * 100) / 100)},
            {"poster", svc.has_poster(i) ? json("/posters/" + std::to_string(m.id) + ".jpg") : json(nullptr)},
            {"imdbId", m.imdb_id >= 0 ? json(m.imdb_id) : json(nullptr)},
            {"tmdbId", m.tmdb_id >= 0 ? json(m.tmdb_id) : json(nullptr)}};
  }

  const std::vector<std::string>& movie_strings(const ModelSet& set) const {
    std::call_once(set.json_once, [&] {
      set.movie_json.resize(set.ds->movies.size());
      for (ItemIndex i = 0; i < set.movie_json.size(); ++i) set.movie_json[i] = dump(movie_json(set, i));
    });
    return set.movie_json;
  }

  // list_json(...).dump() by appending the scores to the serialized movies.
  std::string list_string(const ModelSet& set, const std::vector<ScoredItem>& list) const {
    const auto& ms = movie_strings(set);
    std::string out = "[";
    for (std::size_t r = 0; r < list.size(); ++r) {
      const std::string& m = ms[list[r].item];
      if (r) out += ',';
      out.append(m, 0, m.size() - 1);  // without the closing brace
      out += ",\"score\":";
      out += std::isfinite(list[r].score) ? fmt::format("{}", list[r].score) : std::string("null");
      out += '}';
    }
    out += ']';
    return out;
  }

  json list_json(const ModelSet& set, const std::vector<ScoredItem>& list) const {
    json out = json::array();
    for (const auto& s : list) {
      json j = movie_json(set, s.item);
      j["score"] = std::isfinite(s.score) ? json(s.score) : json(nullptr);
      out.push_back(std::move(j));
    }
    return out;
  }

  static void send(httplib::Response& res, int status, const json& body) {
    res.status = status;
    res.set_content(dump(body), "application/json");
  }

  json body_json(const httplib::Request& req) const {
    const std::string type = req.get_header_value("Content-Type");
    if (type.rfind("application/json", 0) != 0)
      throw ApiError(415, "the body must be JSON (Content-Type: application/json), got \"" + type + "\"",
                     "Content-Type");
    try {
      return json::parse(req.body);
    } catch (const json::exception& e) {  // parse_error, or out_of_range for a number beyond double (2e308)
      throw ApiError(400, std::string("malformed JSON: ") + e.what(), "body");
    }
  }

  // {"movieId": 6, "rating": 4.5} -> (movie index, rating), checked against the dataset.
  std::pair<ItemIndex, float> rating_of(const json& j, const std::string& where) const {
    if (!j.is_object()) throw ApiError(422, where + ": expected an object {\"movieId\": ..., \"rating\": ...}", "body");
    auto mid = j.find("movieId");
    if (mid == j.end() || !mid->is_number_integer())
      throw ApiError(422, where + ": movieId must be an integer", "movieId");
    auto rt = j.find("rating");
    if (rt == j.end() || !rt->is_number()) throw ApiError(422, where + ": rating must be a number", "rating");
    const double v = rt->get<double>();
    const RatingScale& sc = svc.base().scale;
    const double steps = (v - sc.min) / sc.step;
    if (!std::isfinite(v) || v < sc.min - 1e-9 || v > sc.max + 1e-9 || std::abs(steps - std::round(steps)) > 1e-6)
      throw ApiError(422,
                     where + ": rating must be in [" + format_number(sc.min) + ", " + format_number(sc.max) +
                         "] in steps of " + format_number(sc.step) + ", got " + rt->dump(),
                     "rating");
    auto i = svc.base().items.find(mid->get<std::int64_t>());
    if (!i) throw ApiError(422, where + ": no movie with id " + mid->dump(), "movieId");
    return {*i, static_cast<float>(v)};
  }

  std::vector<std::pair<ItemIndex, float>> ratings_of(const json& body) const {
    const json* list = nullptr;
    if (body.is_array())
      list = &body;
    else if (body.is_object() && body.contains("ratings"))
      list = &body["ratings"];
    std::vector<std::pair<ItemIndex, float>> out;
    if (!list) {
      out.push_back(rating_of(body, "body"));
      return out;
    }
    if (!list->is_array()) throw ApiError(422, "ratings must be an array", "ratings");
    if (list->size() > 10000) throw ApiError(413, "at most 10000 ratings per request", "ratings");
    for (std::size_t k = 0; k < list->size(); ++k)
      out.push_back(rating_of((*list)[k], "ratings[" + std::to_string(k) + "]"));
    return out;
  }

  std::string model_param(const httplib::Request& req) const {
    return req.has_param("model") ? req.get_param_value("model") : svc.default_model();
  }

  void add_route(const Route& r, std::function<void(const httplib::Request&, httplib::Response&)> fn) {
    const int index = metrics.index(r.label);
    auto wrapped = [index, fn](const httplib::Request& req, httplib::Response& res) {
      t_route = index;
      try {
        fn(req, res);
      } catch (const ApiError& e) {
        send(res, e.status, error_json(e.what(), e.parameter));
      } catch (const ConfigError& e) {
        send(res, 400, error_json(e.what(), ""));
      } catch (const DataError& e) {
        send(res, 422, error_json(e.what(), ""));
      } catch (const NotSupported& e) {
        send(res, 422, error_json(e.what(), ""));
      } catch (const std::exception& e) {
        send(res, 500, error_json(std::string("internal error: ") + e.what(), ""));
      }
    };
    const std::string m = r.method;
    if (m == "GET")
      http.Get(r.pattern, wrapped);
    else if (m == "POST")
      http.Post(r.pattern, wrapped);
    else if (m == "DELETE")
      http.Delete(r.pattern, wrapped);
  }

  const Route& route(const char* method, const char* label) const {
    for (const Route& r : routes())
      if (std::string(r.method) == method && std::string(r.label) == label) return r;
    throw std::logic_error(std::string("no route ") + label);
  }

  std::string metrics_text() {
    std::ostringstream o;
    auto set = svc.models();
    o << "# HELP movierec_http_requests_total HTTP requests by route and status.\n"
         "# TYPE movierec_http_requests_total counter\n";
    for (std::size_t k = 0; k < metrics.labels.size(); ++k)
      for (std::size_t st = 0; st < kStatuses.size(); ++st)
        if (auto n = metrics.routes[k].by_status[st].load())
          o << "movierec_http_requests_total{route=\"" << metrics.labels[k] << "\",status=\"" << kStatuses[st] << "\"} "
            << n << "\n";
    {
      std::lock_guard lock(metrics.rare_mu);
      for (const auto& [key, n] : metrics.rare)
        o << "movierec_http_requests_total{route=\"" << metrics.labels[static_cast<std::size_t>(key.first)]
          << "\",status=\"" << key.second << "\"} " << n << "\n";
    }
    o << "# HELP movierec_http_request_duration_seconds Time from routing to the response, by route.\n"
         "# TYPE movierec_http_request_duration_seconds histogram\n";
    for (std::size_t k = 0; k < metrics.labels.size(); ++k) {
      const auto& h = metrics.routes[k];
      const auto count = h.count.load();
      if (count == 0) continue;
      const std::string& route = metrics.labels[k];
      for (std::size_t b = 0; b < kBuckets.size(); ++b)
        o << "movierec_http_request_duration_seconds_bucket{route=\"" << route << "\",le=\"" << kBuckets[b] << "\"} "
          << h.le[b].load() << "\n";
      o << "movierec_http_request_duration_seconds_bucket{route=\"" << route << "\",le=\"+Inf\"} " << count << "\n";
      o << "movierec_http_request_duration_seconds_sum{route=\"" << route << "\"} " << h.sum_ns.load() * 1e-9 << "\n";
      o << "movierec_http_request_duration_seconds_count{route=\"" << route << "\"} " << count << "\n";
    }
    o << "# HELP movierec_ratings_stored Ratings in the SQLite store.\n# TYPE movierec_ratings_stored gauge\n"
      << "movierec_ratings_stored " << svc.stored_count() << "\n";
    o << "# HELP movierec_model_version Version of the served model set (1 at start, +1 per refit).\n"
         "# TYPE movierec_model_version gauge\nmovierec_model_version "
      << set->version << "\n";
    o << "# HELP movierec_model_fit_seconds Time to load or fit the served model set.\n"
         "# TYPE movierec_model_fit_seconds gauge\nmovierec_model_fit_seconds "
      << set->fit_seconds << "\n";
    return o.str();
  }

  void setup() {
    std::vector<std::string> labels;
    for (const Route& r : routes())
      if (std::find(labels.begin(), labels.end(), r.label) == labels.end()) labels.push_back(r.label);
    for (const char* l : {"/", "unmatched", "other"}) labels.push_back(l);
    metrics.init(labels);
    for (const WebAsset& a : web_assets())
      assets[std::string(a.path)] = {&a, etag_of({reinterpret_cast<const char*>(a.data), a.size})};

    http.new_task_queue = [n = opts.threads] { return new httplib::ThreadPool(static_cast<std::size_t>(n)); };
    http.set_payload_max_length(opts.max_body);
    http.set_keep_alive_max_count(100000);
    http.set_keep_alive_timeout(5);
    http.set_tcp_nodelay(true);
    http.set_pre_routing_handler([](const httplib::Request& req, httplib::Response& res) {
      t_start = std::chrono::steady_clock::now();
      t_started = true;
      // cpp-httplib 0.11 reads a POST/PUT/PATCH body that has neither Content-Length nor
      // chunked encoding until the peer closes, i.e. until its 5 s read timeout, and then
      // answers 400: refuse such a request at once (RFC 9110: 411 Length Required).
      const bool has_body = req.method == "POST" || req.method == "PUT" || req.method == "PATCH";
      if (has_body && !req.has_header("Content-Length") &&
          to_lower(req.get_header_value("Transfer-Encoding")) != "chunked") {
        send(res, 411,
             error_json("a " + req.method + " request needs a Content-Length header (or Transfer-Encoding: chunked)",
                        "Content-Length"));
        return httplib::Server::HandlerResponse::Handled;
      }
      return httplib::Server::HandlerResponse::Unhandled;
    });
    httplib::Server::HandlerWithResponse on_error = [this](const httplib::Request& req, httplib::Response& res) {
      if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;  // a handler's JSON error
      if (res.status == 404 && t_route < 0) {
        // No route matched this method: 405 when another method has this path.
        std::string allow;
        for (const Route& r : routes())
          if (std::regex_match(req.path, std::regex(r.pattern)) && req.method != r.method)
            allow += (allow.empty() ? "" : ", ") + std::string(r.method);
        if (!allow.empty()) {
          res.status = 405;
          res.set_header("Allow", allow);
          res.set_content(
              dump(error_json(req.method + " is not allowed on " + req.path + " (allowed: " + allow + ")", "method")),
              "application/json");
          return httplib::Server::HandlerResponse::Handled;
        }
        res.set_content(dump(error_json("no route " + req.method + " " + req.path, "path")), "application/json");
        return httplib::Server::HandlerResponse::Handled;
      }
      if (res.status == 413) {
        res.set_content(
            dump(error_json("request body larger than " + std::to_string(opts.max_body) + " bytes (serve --max-body)",
                            "body")),
            "application/json");
        return httplib::Server::HandlerResponse::Handled;
      }
      res.set_content(dump(error_json("bad request: the request could not be read", "")), "application/json");
      return httplib::Server::HandlerResponse::Handled;
    };
    http.set_error_handler(on_error);
    http.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
      const double s =
          t_started ? std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count() : -1.0;
      metrics.add(t_route >= 0 ? t_route : metrics.index(res.status == 404 ? "unmatched" : "other"), res.status, s);
      t_started = false;
      t_route = -1;
      if (opts.access_log) {
        char line[640];
        // Path only: the query string and headers (tokens) are never logged.
        std::snprintf(line, sizeof line, "%s %.512s %d %.3f ms\n", req.method.c_str(), req.path.c_str(), res.status,
                      s < 0 ? 0.0 : s * 1000);
        std::fputs(line, stderr);
      }
    });

    add_route(route("GET", "/healthz"), [](const auto&, auto& res) { send(res, 200, {{"status", "ok"}}); });
    add_route(route("GET", "/metrics"),
              [this](const auto&, auto& res) { res.set_content(metrics_text(), "text/plain; version=0.0.4"); });
    add_route(route("GET", "/api/openapi.json"),
              [this](const auto&, auto& res) { res.set_content(openapi, "application/json"); });
    add_route(route("GET", "/api/status"), [this](const auto&, auto& res) {
      auto set = svc.models();
      auto rs = svc.refit_status();
      json models = json::array();
      for (const auto& [n, m] : set->models)
        models.push_back({{"name", n}, {"predictsRatings", m->predicts_ratings()}});
      const Dataset& ds = *set->ds;
      send(res, 200,
           {{"status", "ok"},
            {"dataset",
             {{"name", ds.name},
              {"users", ds.users.size()},
              {"movies", ds.movies.size()},
              {"ratings", ds.ratings.nnz()},
              {"scale", {{"min", ds.scale.min}, {"max", ds.scale.max}, {"step", ds.scale.step}}}}},
            {"models", models},
            {"defaultModel", svc.default_model()},
            {"modelVersion", set->version},
            {"fitSeconds", set->fit_seconds},
            {"refit", {{"running", rs.running}, {"stage", rs.stage}, {"enabled", !opts.admin_token.empty()}}},
            {"storedRatings", svc.stored_count()},
            {"posters", !svc.base().movies.empty() && opts_posters()}});
    });
    add_route(route("GET", "/api/movies"), [this](const auto& req, auto& res) {
      auto set = svc.models();
      const std::size_t limit = query_size(req, "limit", 10, 100);
      std::vector<ItemIndex> hits;
      const std::string q = req.has_param("q") ? req.get_param_value("q") : "";
      if (trim(q).empty()) {
        for (ItemIndex i : set->popular) {
          if (hits.size() == limit) break;
          hits.push_back(i);
        }
      } else {
        hits = svc.titles().search(q, limit);
      }
      json out = json::array();
      for (ItemIndex i : hits) out.push_back(movie_json(*set, i));
      send(res, 200, {{"query", q}, {"movies", out}});
    });
    add_route(route("GET", "/api/movies/{id}"), [this](const auto& req, auto& res) {
      auto set = svc.models();
      const ItemIndex i = svc.item(parse_id(req.matches[1], "id"), "id");
      send(res, 200, movie_json(*set, i));
    });
    add_route(route("GET", "/api/movies/{id}/similar"), [this](const auto& req, auto& res) {
      auto set = svc.models();
      const ItemIndex i = svc.item(parse_id(req.matches[1], "id"), "id");
      const std::size_t k = query_size(req, "k", 10, 100);
      const std::size_t min_ratings = query_size(req, "min_ratings", 0, 1000000);
      const std::string model = req.has_param("model") ? req.get_param_value("model") : set->models.front().first;
      json out = {{"movie", movie_json(*set, i)}, {"modelVersion", set->version}};
      if (model == "all") {
        json lists = json::array();
        for (const auto& [n, m] : set->models) {
          try {
            lists.push_back({{"model", n}, {"similar", list_json(*set, svc.similar(*set, n, i, k, min_ratings))}});
          } catch (const ApiError&) {
            // A model without item similarity is left out of "all".
          }
        }
        out["models"] = lists;
        send(res, 200, out);
        return;
      }
      // The hot route: the body assembled from the serialized movies.
      const auto list = svc.similar(*set, model, i, k, min_ratings);
      res.set_content("{\"model\":" + dump(json(model)) + ",\"modelVersion\":" + std::to_string(set->version) +
                          ",\"movie\":" + movie_strings(*set)[i] + ",\"similar\":" + list_string(*set, list) + "}",
                      "application/json");
    });
    add_route(route("POST", "/api/users"), [this](const auto&, auto& res) {
      send(res, 201, {{"id", svc.create_user()}});
    });
    add_route(route("GET", "/api/users/{id}/ratings"), [this](const auto& req, auto& res) {
      auto set = svc.models();
      const long long user = parse_id(req.matches[1], "id");
      if (!svc.user_exists(user)) throw ApiError(404, "no user with id " + std::to_string(user), "id");
      json out = json::array();
      for (const auto& r : svc.user_ratings(user)) {
        json j = {{"movieId", r.movie_id}, {"rating", r.rating}, {"timestamp", r.timestamp}};
        if (auto i = set->ds->items.find(r.movie_id)) j["movie"] = movie_json(*set, *i);
        out.push_back(std::move(j));
      }
      auto u = svc.base().users.find(user);
      send(res, 200,
           {{"userId", user}, {"ratings", out}, {"datasetRatings", u ? svc.base().ratings.user_count(*u) : 0}});
    });
    add_route(route("POST", "/api/users/{id}/ratings"), [this](const auto& req, auto& res) {
      const long long user = parse_id(req.matches[1], "id");
      const json body = body_json(req);
      if (!svc.user_exists(user)) throw ApiError(404, "no user with id " + std::to_string(user), "id");
      auto list = ratings_of(body);
      const auto now =
          std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
      std::vector<StoredRating> rows;
      json out = json::array();
      for (auto [i, v] : list) {
        rows.push_back({user, svc.base().movies[i].id, v, now});
        out.push_back({{"movieId", svc.base().movies[i].id}, {"rating", v}, {"timestamp", now}});
      }
      svc.put_ratings(user, rows);
      send(res, 201, {{"userId", user}, {"stored", rows.size()}, {"ratings", out}});
    });
    add_route(route("DELETE", "/api/users/{id}/ratings/{movieId}"), [this](const auto& req, auto& res) {
      const long long user = parse_id(req.matches[1], "id");
      const long long movie = parse_id(req.matches[2], "movieId");
      if (!svc.user_exists(user)) throw ApiError(404, "no user with id " + std::to_string(user), "id");
      svc.item(movie, "movieId");
      if (!svc.remove_rating(user, movie))
        throw ApiError(404, "user " + std::to_string(user) + " has no stored rating of movie " + std::to_string(movie),
                       "movieId");
      res.status = 204;
    });
    add_route(route("GET", "/api/users/{id}/recommendations"), [this](const auto& req, auto& res) {
      auto set = svc.models();
      const long long user = parse_id(req.matches[1], "id");
      const std::size_t k = query_size(req, "k", 10, 100);
      const std::string model = model_param(req);
      auto list = svc.recommend_user(*set, model, user, k);
      res.set_content("{\"model\":" + dump(json(model)) + ",\"modelVersion\":" + std::to_string(set->version) +
                          ",\"recommendations\":" + list_string(*set, list) + ",\"userId\":" + std::to_string(user) +
                          "}",
                      "application/json");
    });
    add_route(route("POST", "/api/recommendations"), [this](const auto& req, auto& res) {
      auto set = svc.models();
      const json body = body_json(req);
      if (!body.is_object() || !body.contains("ratings"))
        throw ApiError(422, "expected {\"ratings\": [{\"movieId\": 6, \"rating\": 4.5}, ...]}", "ratings");
      std::string model = svc.default_model();
      if (body.contains("model")) {
        if (!body["model"].is_string()) throw ApiError(422, "model must be a string", "model");
        model = body["model"].get<std::string>();
      }
      std::size_t k = 10;
      if (body.contains("k")) {
        if (!body["k"].is_number_integer() || body["k"].get<long long>() < 0 || body["k"].get<long long>() > 100)
          throw ApiError(422, "k must be an integer in [0, 100]", "k");
        k = body["k"].get<std::size_t>();
      }
      auto list = svc.recommend_ratings(*set, model, ratings_of(body), k);
      send(res, 200, {{"model", model}, {"modelVersion", set->version}, {"recommendations", list_json(*set, list)}});
    });
    add_route(route("POST", "/api/admin/refit"), [this](const auto& req, auto& res) {
      if (opts.admin_token.empty())
        throw ApiError(404, "refit is off: start the server with MOVIEREC_ADMIN_TOKEN set", "path");
      const std::string auth = req.get_header_value("Authorization");
      if (auth != "Bearer " + opts.admin_token) {
        res.set_header("WWW-Authenticate", "Bearer");
        throw ApiError(401, "missing or wrong bearer token", "Authorization");
      }
      if (!svc.start_refit()) throw ApiError(409, "a refit is already running; see /api/status", "");
      send(res, 202, {{"status", "refit started"}, {"modelVersion", svc.models()->version}});
    });
    add_route(route("GET", "/posters/{file}"), [this](const auto& req, auto& res) {
      // Only "<digits>.<image extension>" maps to a file: no path leaves the folder.
      static const std::regex name(R"(([0-9]{1,18})\.(jpg|jpeg|png|webp))");
      std::smatch m;
      const std::string file = req.matches[1];
      if (!std::regex_match(file, m, name)) throw ApiError(404, "posters are named <movieId>.jpg", "file");
      auto path = svc.poster(std::stoll(m[1]));
      if (!path) throw ApiError(404, "no poster for movie " + std::string(m[1]), "file");
      struct stat st {};
      if (::stat(path->c_str(), &st) != 0) throw ApiError(404, "poster file is gone", "file");
      char etag[48];
      std::snprintf(etag, sizeof etag, "\"%llx-%llx\"", static_cast<unsigned long long>(st.st_size),
                    static_cast<unsigned long long>(st.st_mtime));
      res.set_header("ETag", etag);
      res.set_header("Cache-Control", "public, max-age=86400");
      if (req.get_header_value("If-None-Match") == etag) {
        res.status = 304;
        return;
      }
      std::ifstream in(*path, std::ios::binary);
      std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      res.set_content(std::move(data), image_type(*path));
    });
    // The page and its assets.
    const int page_route = metrics.index("/");
    http.Get(R"(/|/[A-Za-z0-9_.-]+\.(js|css|svg|html))",
             [this, page_route](const httplib::Request& req, httplib::Response& res) {
               t_route = page_route;
               const std::string p = req.path == "/" ? "/index.html" : req.path;
               auto it = assets.find(p);
               if (it == assets.end()) {
                 send(res, 404, error_json("no file " + req.path, "path"));
                 return;
               }
               const auto& [a, etag] = it->second;
               res.set_header("ETag", etag);
               res.set_header("Cache-Control", "no-cache");
               if (req.get_header_value("If-None-Match") == etag) {
                 res.status = 304;
                 return;
               }
               res.set_content(reinterpret_cast<const char*>(a->data), a->size, std::string(a->type).c_str());
             });
  }

  bool opts_posters() const {
    for (ItemIndex i = 0; i < svc.base().movies.size(); ++i)
      if (svc.has_poster(i)) return true;
    return false;
  }
};

Server::Server(Service& service, ServerOptions opts) : impl_(std::make_unique<Impl>(service, std::move(opts))) {
  impl_->setup();
}

Server::~Server() = default;

void Server::run(const std::function<void(const std::string&)>& on_ready) {
  auto& o = impl_->opts;
  int port = o.port;
  if (port == 0) {
    port = impl_->http.bind_to_any_port(o.host);
    if (port < 0) throw IoError("serve: cannot bind " + o.host + " to any port");
  } else if (!impl_->http.bind_to_port(o.host, port)) {
    throw IoError("serve: cannot bind " + o.host + ":" + std::to_string(port) +
                  " (in use? try another port, or 0 for any free one)");
  }
  const std::string host = o.host.find(':') != std::string::npos ? "[" + o.host + "]" : o.host;
  on_ready("http://" + host + ":" + std::to_string(port) + "/");
  impl_->http.listen_after_bind();
}

void Server::stop() { impl_->http.stop(); }

bool Server::running() const { return impl_->http.is_running(); }

}  // namespace movierec::serve
