// Fuzzes the dataset loaders: the three rating formats (ratings.csv, u.data,
// ratings.dat), the movie files (movies.csv, u.item, movies.dat), links.csv,
// tags (tags.csv, tags.dat), u.genre, and ml-100k's predefined split files.
// Input: byte 0 picks the file, byte 1 bit 0 lenient mode, the rest is that
// file's content; the other files of its set are the tests/fixtures ones.
#include <omp.h>

#include <array>

#include "fuzz_support.h"
#include "movierec/dataset.h"
#include "movierec/errors.h"
#include "movierec/split.h"

using namespace movierec;

namespace {

struct Slot {
  const char* set;   // fixture folder
  const char* file;  // the file the input replaces
};
constexpr std::array<Slot, 12> kSlots = {{{"csv-tiny", "ratings.csv"},
                                          {"csv-tiny", "movies.csv"},
                                          {"csv-tiny", "links.csv"},
                                          {"csv-tiny", "tags.csv"},
                                          {"ml100k-tiny", "u.data"},
                                          {"ml100k-tiny", "u.item"},
                                          {"ml100k-tiny", "u.genre"},
                                          {"ml100k-tiny", "u1.base"},
                                          {"ml100k-tiny", "u1.test"},
                                          {"ml10m-tiny", "ratings.dat"},
                                          {"ml10m-tiny", "movies.dat"},
                                          {"ml10m-tiny", "tags.dat"}}};

struct Set {
  std::string name;
  std::vector<std::pair<std::string, std::string>> files;  // name, fixture bytes
};
std::vector<Set> g_sets;

const Set& set_of(const char* name) {
  for (const auto& s : g_sets)
    if (s.name == name) return s;
  std::abort();
}

std::string_view fixture_bytes(const Set& set, std::string_view file) {
  for (const auto& [name, bytes] : set.files)
    if (name == file) return bytes;
  std::abort();
}

// The scratch copy of a fixture set (written by LLVMFuzzerInitialize).
std::filesystem::path set_folder(const char* name) { return fuzz::scratch() / name; }

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  omp_set_num_threads(1);
  for (const char* name : {"csv-tiny", "ml100k-tiny", "ml10m-tiny"}) {
    Set s{name, {}};
    for (const auto& e : std::filesystem::directory_iterator(fuzz::fixture(name)))
      s.files.emplace_back(e.path().filename().string(), fuzz::read_all(e.path()));
    g_sets.push_back(std::move(s));
  }
  if (auto dir = fuzz::seed_dir(); !dir.empty()) {
    int n = 0;
    for (std::size_t k = 0; k < kSlots.size(); ++k)
      for (const auto& [file, bytes] : set_of(kSlots[k].set).files)
        if (file == kSlots[k].file)
          for (char flags : {0, 1}) fuzz::write_seed(dir, n++, std::string{char(k), flags} + bytes);
    std::exit(0);
  }
  for (const auto& set : g_sets) {
    std::filesystem::create_directories(set_folder(set.name.c_str()));
    for (const auto& [file, bytes] : set.files) fuzz::write_all(set_folder(set.name.c_str()) / file, bytes);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const Slot& slot = kSlots[data[0] % kSlots.size()];
  const std::string_view content(reinterpret_cast<const char*>(data) + 2, size - 2);
  // The fixture sets are written once (LLVMFuzzerInitialize); an input replaces
  // one file, put back afterwards: two file writes per input instead of deleting
  // and rewriting the whole set (syscalls were a third of this harness's time).
  const auto dir = set_folder(slot.set);
  const auto file = dir / slot.file;
  fuzz::write_all(file, content);
  LoadOptions lo;
  lo.lenient = data[1] & 1;
  try {
    Dataset ds = load_dataset(dir, lo);
    (void)ds.fingerprint();
    (void)find_movies(ds, "the");
    if (std::string_view(slot.file).starts_with("u1."))
      (void)make_splits(ds, "files:" + (dir / "u1.base").string() + ",test", 1);
  } catch (const movierec::Error&) {
  }
  fuzz::write_all(file, fixture_bytes(set_of(slot.set), slot.file));
  return 0;
}
