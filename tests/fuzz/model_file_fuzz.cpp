// Fuzzes model files (.mrm) and every model's payload. Input: byte 0 picks the
// model (registry order); byte 1
// bit 0 set: the rest is a whole file, read as is (header parsing); clear: the
// rest is the payload, wrapped here in a valid header for the fixture dataset
// (cli-tiny) with the checksum computed, so every input reaches the payload
// reader. A model that loads is then used (scores, similar, fold-in): a payload
// check that lets a bad index through shows up there.
#include <omp.h>

#include <array>
#include <cmath>

#include "fuzz_support.h"
#include "movierec/dataset.h"
#include "movierec/errors.h"
#include "movierec/registry.h"
#include "util/binary_io.h"
#include "vision/feature_file.h"

using namespace movierec;

namespace {

Dataset g_ds;
std::vector<std::string> g_models;

std::string wrap(const std::string& name, std::string_view payload) {
  BinaryWriter w;
  w.append("MOVIEREC", 8);
  w.put<std::uint32_t>(1);
  w.put_string(name);
  w.put<std::uint64_t>(0);  // no parameters: every model's defaults (threads: omp's, set to 1 below)
  w.put(g_ds.fingerprint());
  w.put_vector(g_ds.users.raw_ids());
  w.put_vector(g_ds.items.raw_ids());
  w.put_string(payload);
  w.put(crc32_of(w.bytes()));
  return w.bytes();
}

void use(const Recommender& m) {
  const std::size_t n = m.n_items();
  std::vector<float> scores(n);
  UserIndex u = 0;
  m.score(std::span<const UserIndex>(&u, 1), scores);
  (void)m.recommend(std::span<const UserIndex>(&u, 1), Query{3, &g_ds.ratings});
  try {
    (void)m.similar_items(0, 3);
  } catch (const NotSupported&) {
  }
  try {
    ItemIndex i = 1;
    float v = 4;
    m.score_new_user(std::span<const ItemIndex>(&i, 1), std::span<const float>(&v, 1), scores);
  } catch (const NotSupported&) {
  }
  if (m.predicts_ratings()) (void)m.predict(0, 1);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  omp_set_num_threads(1);
  g_ds = load_dataset(fuzz::fixture("cli-tiny"));
  for (const auto& info : list_models()) g_models.push_back(info.name);
  if (auto dir = fuzz::seed_dir(); !dir.empty()) {
    // The poster model fits on a feature file: 3-d vectors for the fixture's movies.
    FeatureSet f;
    f.network = "seed";
    f.layer = "pool";
    f.dim = 3;
    for (std::size_t i = 0; i < g_ds.movies.size(); ++i) {
      f.movie_ids.push_back(g_ds.movies[i].id);
      for (int d = 0; d < 3; ++d) f.data.push_back(float((i * 7 + d * 3) % 5) - 2.f);
    }
    const auto features = fuzz::scratch() / "seed.mrf";
    write_features(features, f, FeatureDtype::kFloat32);
    int n = 0;
    for (std::size_t k = 0; k < g_models.size(); ++k) {
      ParamMap params;
      if (g_models[k] == "poster" || g_models[k] == "mix") params["features"] = features.string();
      if (g_models[k] == "session-ease") params["min_ratings"] = "1";  // a B over every movie of the fixture
      auto m = create_model(g_models[k], params);
      FitOptions fo;
      fo.dataset = &g_ds;
      try {
        m->fit(g_ds.ratings, fo);
      } catch (const movierec::Error& e) {  // a model the tiny fixture cannot fit (ltr): no seed
        std::fprintf(stderr, "no seed for %s: %s\n", g_models[k].c_str(), e.what());
        continue;
      }
      BinaryWriter payload;
      m->save_payload(payload);
      fuzz::write_seed(dir, n++, std::string{char(k), 0} + payload.bytes());
      fuzz::write_seed(dir, n++, std::string{char(k), 1} + wrap(g_models[k], payload.bytes()));
    }
    std::exit(0);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::string& name = g_models[data[0] % g_models.size()];
  const std::string_view rest(reinterpret_cast<const char*>(data) + 2, size - 2);
  const std::string bytes = data[1] & 1 ? std::string(rest) : wrap(name, rest);
  try {
    use(*load_model_bytes(bytes, "model file fuzz.mrm", g_ds));
  } catch (const movierec::Error&) {
  }
  return 0;
}
