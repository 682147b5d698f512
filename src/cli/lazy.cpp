#include "cli/lazy.h"

#include "cli/common.h"

#include <dlfcn.h>

#include <stdexcept>

namespace movierec::cli {
namespace {

// The module next to the executable (build tree), else in ../lib/movierec.
void* heavy_module() {
  static void* handle = [] {
    std::error_code ec;
    const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    std::string tried, errors;
    for (const auto& p :
         {exe.parent_path() / "movierec_heavy.so", exe.parent_path() / "../lib/movierec/movierec_heavy.so"}) {
      if (!std::filesystem::exists(p, ec)) {
        tried += (tried.empty() ? "" : ", ") + p.lexically_normal().string();
        continue;
      }
      if (void* h = ::dlopen(p.c_str(), RTLD_NOW | RTLD_LOCAL)) return h;
      errors += std::string(" ") + ::dlerror();
    }
    throw std::runtime_error(
        "cannot load movierec_heavy.so, which holds the poster and download commands (looked for " + tried + ")" +
        errors);
  }();
  return handle;
}

template <class F>
F* heavy_entry(const char* name) {
  void* f = ::dlsym(heavy_module(), name);
  if (!f) throw std::runtime_error(std::string("movierec_heavy.so lacks ") + name + ": rebuild it with this movierec");
  return reinterpret_cast<F*>(f);
}

}  // namespace

const char* heavy_description(const std::string& name) {
  for (const auto& c : kHeavyCommands)
    if (name == c.name) return c.description;
  return "";
}

void add_heavy_commands(CLI::App& app, const std::string& command) {
  for (const auto& c : kHeavyCommands) {
    if (command == c.name) {
      heavy_entry<decltype(movierec_heavy_add_commands)>("movierec_heavy_add_commands")(&app);
      return;
    }
  }
  for (const auto& c : kHeavyCommands) app.add_subcommand(c.name, c.description)->allow_extras();
}

// A folder is returned as it is (net::resolve_dataset does the same); a
// dataset name is resolved, and fetched on first use, by the module.
std::filesystem::path data_folder(const std::string& folder_or_name) {
  std::error_code ec;
  if (std::filesystem::is_directory(folder_or_name, ec)) return folder_or_name;
  std::filesystem::path out;
  heavy_entry<decltype(movierec_heavy_resolve_data)>("movierec_heavy_resolve_data")(&folder_or_name, &out);
  return out;
}

}  // namespace movierec::cli
