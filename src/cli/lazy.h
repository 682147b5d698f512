// Commands whose libraries are heavy (OpenCV DNN for poster embeddings; curl,
// libarchive and OpenSSL for downloads; cpp-httplib and SQLite to serve) live in a module loaded on first use,
// movierec_heavy.so beside the executable (or in ../lib/movierec), so that
// every other command starts in a few milliseconds: loading those libraries
// costs ~60 shared objects and ~20 ms of CPU before main (bench/startup_bench).
// The executable exports its symbols (ENABLE_EXPORTS), which the module's CLI
// code uses (add_common_options, load_data, print_json...).
#pragma once

#include <filesystem>
#include <string>

#include <CLI/CLI.hpp>

namespace movierec::cli {

struct HeavyCommand {
  const char* name;
  const char* description;  // shown by `movierec --help` before the module is loaded
};

// The top-level commands that live in the module.
inline constexpr HeavyCommand kHeavyCommands[] = {
    {"fetch-data",
     "download a MovieLens dataset from GroupLens into the cache ($MOVIEREC_DATA, default ~/.cache/movierec)"},
    {"fetch-model",
     "download a pretrained CNN (ONNX model zoo: vgg16, resnet50, mobilenetv2) into <cache>/models, sha256 checked"},
    {"posters", "fetch posters from TMDB and embed them with a CNN"},
    {"gallery", "an HTML page of similar movies per model, with posters (self-contained)"},
    {"similarity-report", "genre agreement, popularity, coverage and overlap of each model's similar movies"},
    {"serve",
     "HTTP server: JSON API (search, similar movies, recommendations, ratings kept in SQLite) and a web page at /"},
    {"ratings", "ratings kept by `movierec serve`"},
};

// The description above of a heavy command (for the module's own registration).
const char* heavy_description(const std::string& name);

// Registers the heavy commands: in full (loading the module) when `command`,
// the first argument, names one of them; else as entries for --help only.
void add_heavy_commands(CLI::App& app, const std::string& command);

}  // namespace movierec::cli

// The module's entry points (heavy_entry.cpp).
extern "C" {
void movierec_heavy_add_commands(CLI::App* app);
void movierec_heavy_resolve_data(const std::string* folder_or_name, std::filesystem::path* out);
}
