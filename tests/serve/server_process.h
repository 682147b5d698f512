// `movierec serve` as a child process for the API and durability tests: started
// on 127.0.0.1 with --port 0 (a free port, read from its "listening on" line),
// stopped with SIGTERM (or killed with SIGKILL) by the test.
#pragma once

#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace movierec::testing {

class ServerProcess {
 public:
  // args: after "serve"; --host, --port, --quiet are added.
  explicit ServerProcess(std::vector<std::string> args, std::vector<std::string> env = {}) {
    int out[2];
    if (::pipe(out) != 0) throw std::runtime_error("pipe");
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork");
    if (pid_ == 0) {
      ::dup2(out[1], 1);
      ::close(out[0]);
      ::close(out[1]);
      for (const auto& e : env) ::putenv(const_cast<char*>(e.c_str()));
      std::vector<std::string> all = {MOVIEREC_BINARY, "serve", "--host", "127.0.0.1", "--port", "0", "--quiet"};
      all.insert(all.end(), args.begin(), args.end());
      std::vector<char*> argv;
      for (auto& a : all) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(out[1]);
    FILE* f = ::fdopen(out[0], "r");
    char line[4096];
    while (std::fgets(line, sizeof line, f)) {
      std::string s = line;
      auto p = s.find("listening on http://");
      if (p == std::string::npos) continue;
      auto start = p + std::string("listening on http://").size();
      auto colon = s.find(':', start);
      auto slash = s.find('/', colon);
      port_ = std::stoi(s.substr(colon + 1, slash - colon - 1));
      break;
    }
    out_ = f;  // kept open: the server may print more
    if (port_ == 0) {
      int status = 0;
      ::waitpid(pid_, &status, 0);
      pid_ = -1;
      throw std::runtime_error("movierec serve did not start (exit status " + std::to_string(status) + ")");
    }
  }
  ~ServerProcess() {
    if (pid_ > 0) stop();
    if (out_) std::fclose(out_);
  }
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(30, 0);
    return c;
  }
  // SIGTERM and wait; returns the exit status.
  int stop(int sig = SIGTERM) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, sig);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  FILE* out_ = nullptr;
};

}  // namespace movierec::testing
