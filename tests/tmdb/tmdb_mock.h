// A loopback TMDB look-alike (API and image server) for the poster tests.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "../support/mock_server.h"

namespace movierec::testing {

inline const std::string kKey = "k3y-SECRET-123";
inline const std::string kToken = "tok-SECRET-456";

// A 20x30 JPEG of one colour: blue = 20 * n, so a file can be traced back to
// the poster it came from.
inline std::string jpeg_for(int n) {
  cv::Mat img(30, 20, CV_8UC3, cv::Scalar(20 * n, 100, 50));
  std::vector<uchar> buf;
  cv::imencode(".jpg", img, buf);
  return std::string(buf.begin(), buf.end());
}

inline double mean_blue(const std::filesystem::path& f) {
  cv::Mat img = cv::imread(f.string(), cv::IMREAD_COLOR);
  if (img.empty()) return -1;
  return cv::mean(img)[0];
}

// The TMDB API and image server. Movie ids (tmdbId) and what they do:
//   101 poster /p1.jpg               102 404 (imdb tt0114709 -> find -> /p2.jpg)
//   103 poster_path null             105 /p5.jpg, image 404
//   106 429 Retry-After: 1, then /p6 107 500, then /p7.jpg
//   108 /p8.jpg cut mid-transfer     109 /p9.jpg is not an image
//   110 /p10.jpg a JPEG's first half 111 stalls once (until the server stops), then /p11.jpg
//   112 always stalls
class TmdbMock {
 public:
  TmdbMock() {
    auto& svr = s_.server();
    svr.Get(R"(/3/movie/(\d+))", [this](const httplib::Request& req, httplib::Response& res) {
      Flight f(*this);
      if (!authorised(req, res)) return;
      int id = std::stoi(req.matches[1].str());
      int n;
      {
        std::lock_guard lock(mu_);
        n = ++movie_hits_[id];
      }
      auto poster = [&](const char* p) {
        res.set_content(std::string(R"({"id":1,"poster_path":")") + p + "\"}", "application/json");
      };
      switch (id) {
        case 101:
          return poster("/p1.jpg");
        case 103:
          return res.set_content(R"({"id":103,"title":"x","poster_path":null})", "application/json");
        case 105:
          return poster("/p5.jpg");
        case 106:
          if (n == 1) {
            res.status = 429;
            res.set_header("Retry-After", "1");
            return;
          }
          return poster("/p6.jpg");
        case 107:
          if (n == 1) {
            res.status = 500;
            return;
          }
          return poster("/p7.jpg");
        case 108:
          return poster("/p8.jpg");
        case 109:
          return poster("/p9.jpg");
        case 110:
          return poster("/p10.jpg");
        case 111:
          if (n == 1) {
            // Far beyond any client timeout. The client gives up at its timeout and
            // the mock cannot see when, so the stall no longer counts as in flight.
            f.end();
            s_.stall(std::chrono::seconds(30));
          }
          return poster("/p11.jpg");
        case 112:
          f.end();  // as for 111
          s_.stall(std::chrono::seconds(30));
          return poster("/p12.jpg");
        default:
          res.status = 404;
          res.set_content(R"({"status_code":34,"status_message":"The resource you requested could not be found."})",
                          "application/json");
      }
    });
    svr.Get(R"(/3/find/(tt\d+))", [this](const httplib::Request& req, httplib::Response& res) {
      Flight f(*this);
      if (!authorised(req, res)) return;
      if (req.get_param_value("external_source") != "imdb_id") {
        res.status = 400;
        return;
      }
      if (req.matches[1].str() == "tt0114709")
        res.set_content(R"({"movie_results":[{"id":102,"poster_path":"/p2.jpg"}],"tv_results":[]})",
                        "application/json");
      else
        res.set_content(R"({"movie_results":[],"tv_results":[]})", "application/json");
    });
    svr.Get(R"(/img/(w\d+)/p(\d+)\.jpg)", [this](const httplib::Request& req, httplib::Response& res) {
      Flight f(*this);
      if (req.has_param("api_key") || req.has_header("Authorization")) ++credentials_to_images_;
      int n = std::stoi(req.matches[2].str());
      {
        std::lock_guard lock(mu_);
        sizes_seen_.insert(req.matches[1].str());
        ++image_hits_[n];
      }
      switch (n) {
        case 5:
          res.status = 404;
          return;
        case 8: {
          auto full = std::make_shared<std::string>(jpeg_for(8));
          res.set_content_provider(full->size(), "image/jpeg", [full](size_t off, size_t, httplib::DataSink& sink) {
            if (off >= full->size() / 2) return false;
            sink.write(full->data() + off, full->size() / 2 - off);
            return true;
          });
          return;
        }
        case 9:
          return res.set_content(std::string(3000, '\x42'), "image/jpeg");
        case 10: {
          std::string j = jpeg_for(10);
          return res.set_content(j.substr(0, j.size() / 2), "image/jpeg");
        }
        default:
          return res.set_content(jpeg_for(n), "image/jpeg");
      }
    });
    s_.start();
  }

  // Handlers use the members below: stop the server before they go.
  ~TmdbMock() { s_.stop(); }
  TmdbMock(const TmdbMock&) = delete;
  TmdbMock& operator=(const TmdbMock&) = delete;

  std::string api() const { return s_.url(); }
  std::string images() const { return s_.url() + "/img"; }
  int image_hits(int n) {
    std::lock_guard lock(mu_);
    return image_hits_[n];
  }

  std::atomic<int> unauthorised_{0}, credentials_to_images_{0}, key_requests_{0}, bearer_requests_{0};
  std::atomic<int> in_flight_{0}, peak_{0};
  std::set<std::string> sizes_seen() {
    std::lock_guard lock(mu_);
    return sizes_seen_;
  }

 private:
  struct Flight {
    explicit Flight(TmdbMock& m) : m_(m) {
      int now = ++m_.in_flight_;
      int p = m_.peak_.load();
      while (now > p && !m_.peak_.compare_exchange_weak(p, now)) {
      }
    }
    ~Flight() { end(); }
    void end() {
      if (!ended_) --m_.in_flight_;
      ended_ = true;
    }
    TmdbMock& m_;
    bool ended_ = false;
  };

  bool authorised(const httplib::Request& req, httplib::Response& res) {
    bool key = req.get_param_value("api_key") == kKey;
    bool bearer = req.get_header_value("Authorization") == "Bearer " + kToken;
    key_requests_ += req.has_param("api_key");
    bearer_requests_ += req.has_header("Authorization");
    if (key || bearer) return true;
    ++unauthorised_;
    res.status = 401;
    res.set_content(R"({"status_code":7,"status_message":"Invalid API key: You must be granted a valid key."})",
                    "application/json");
    return false;
  }

  MockServer s_;
  std::mutex mu_;
  std::set<std::string> sizes_seen_;  // guarded by mu_
  std::map<int, int> movie_hits_;     // guarded by mu_ (handlers run on many threads)
  std::map<int, int> image_hits_;     // guarded by mu_
};

}  // namespace movierec::testing
