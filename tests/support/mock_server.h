// Loopback HTTP servers for tests (cpp-httplib on 127.0.0.1, port chosen by
// the OS), a zip writer (libarchive), and helpers to run the CLI and list
// folders. Nothing here touches the internet.
#pragma once

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <stdio.h>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "process.h"

namespace movierec::testing {

// An httplib::Server on 127.0.0.1:<free port> in its own thread. Register
// handlers on server() before start(); stop() (or the destructor) joins.
class MockServer {
 public:
  MockServer() {
    // Enough threads that idle keep-alive connections never starve new ones.
    server_.new_task_queue = [] { return new httplib::ThreadPool(32); };
    server_.set_keep_alive_max_count(1000);
    server_.set_tcp_nodelay(true);  // no 40 ms Nagle / delayed-ACK stalls between requests
  }
  ~MockServer() { stop(); }
  MockServer(const MockServer&) = delete;
  MockServer& operator=(const MockServer&) = delete;

  httplib::Server& server() { return server_; }

  // A handler's "slow answer": waits up to max, but returns as soon as the
  // server stops, so tests can stall far longer than any client timeout
  // (robust on a loaded machine) without slowing their own teardown.
  void stall(std::chrono::milliseconds max) const {
    const auto end = std::chrono::steady_clock::now() + max;
    while (!stopping_.load() && std::chrono::steady_clock::now() < end)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }

  void start() {
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (port_ <= 0) throw std::runtime_error("mock server: cannot bind 127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() is a no-op until the accept loop runs: wait for it.
    for (int i = 0; i < 2000 && !server_.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }

  void stop() {
    stopping_ = true;
    if (thread_.joinable()) {
      server_.stop();
      thread_.join();
    }
  }

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = -1;
  std::atomic<bool> stopping_{false};
};

// A zip archive in memory: (path, contents) entries; a path ending in '/' is a folder.
inline std::string make_zip(const std::vector<std::pair<std::string, std::string>>& entries) {
  std::size_t cap = 1 << 16;
  for (const auto& e : entries) cap += e.second.size() + e.first.size() + 256;
  std::string buf(cap, '\0');
  std::size_t used = 0;
  archive* a = archive_write_new();
  archive_write_set_format_zip(a);
  if (archive_write_open_memory(a, buf.data(), buf.size(), &used) != ARCHIVE_OK)
    throw std::runtime_error("make_zip: open failed");
  for (const auto& [path, data] : entries) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, path.c_str());
    if (!path.empty() && path.back() == '/') {
      archive_entry_set_filetype(e, AE_IFDIR);
      archive_entry_set_perm(e, 0755);
    } else {
      archive_entry_set_filetype(e, AE_IFREG);
      archive_entry_set_perm(e, 0644);
      archive_entry_set_size(e, static_cast<la_int64_t>(data.size()));
    }
    if (archive_write_header(a, e) != ARCHIVE_OK) throw std::runtime_error("make_zip: header failed");
    if (!data.empty() && archive_write_data(a, data.data(), data.size()) < 0)
      throw std::runtime_error("make_zip: data failed");
    archive_entry_free(e);
  }
  archive_write_close(a);
  archive_write_free(a);
  buf.resize(used);
  return buf;
}

// Names in a folder (not recursive), sorted; empty when it does not exist.
inline std::set<std::string> list_dir(const std::filesystem::path& dir) {
  std::set<std::string> out;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) out.insert(e.path().filename().string());
  return out;
}

// Every path under dir whose name contains ".tmp" or starts with ".fetch-".
inline std::vector<std::string> leftover_temporaries(const std::filesystem::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    auto n = e.path().filename().string();
    if (n.find(".tmp") != std::string::npos || n.rfind(".fetch-", 0) == 0) out.push_back(e.path().string());
  }
  return out;
}

// Sets an environment variable for one scope, restoring the old value.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::optional<std::string>& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value)
      ::setenv(name, value->c_str(), 1);
    else
      ::unsetenv(name);
  }
  ~ScopedEnv() {
    if (old_)
      ::setenv(name_, old_->c_str(), 1);
    else
      ::unsetenv(name_);
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

}  // namespace movierec::testing
