// Model files (.mrm). Layout, little-endian:
//   "MOVIEREC" magic (8 bytes) | u32 format version | string model name
//   | u64 #params, (string key, string value)... | u64 dataset fingerprint
//   | vector<i64> raw user ids | vector<i64> raw movie ids
//   | string payload (the model's save_payload) | u32 CRC-32 of all bytes before it
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <stdexcept>

#include "movierec/dataset.h"
#include "movierec/errors.h"
#include "movierec/registry.h"
#include "util/atomic_file.h"
#include "util/binary_io.h"

namespace movierec {
namespace {

constexpr char kMagic[8] = {'M', 'O', 'V', 'I', 'E', 'R', 'E', 'C'};
constexpr std::uint32_t kFormatVersion = 1;

}  // namespace

void save_model(const std::filesystem::path& file, const Recommender& model, const Dataset& ds) {
  // The payload's length first, by a pass that only counts; then the file is
  // streamed with its checksum. Holding the payload and then the whole file in
  // memory (two growing buffers) set the peak of `train` on big sets.
  std::uint64_t payload_size = 0;
  {
    BinaryWriter count([&](std::string_view b) { payload_size += b.size(); });
    model.save_payload(count);
    count.flush();
  }
  const std::uint64_t fingerprint = ds.fingerprint();
  write_file_atomically(file, [&](std::ostream& os) {
    std::uint32_t crc = 0;
    BinaryWriter w([&](std::string_view b) {
      crc = crc32_update(crc, b);
      os.write(b.data(), static_cast<std::streamsize>(b.size()));
    });
    w.append(kMagic, sizeof kMagic);
    w.put(kFormatVersion);
    w.put_string(model.name());
    w.put<std::uint64_t>(model.params().size());
    for (const auto& [k, v] : model.params()) {
      w.put_string(k);
      w.put_string(v);
    }
    w.put(fingerprint);
    w.put_vector(ds.users.raw_ids());
    w.put_vector(ds.items.raw_ids());
    w.put<std::uint64_t>(payload_size);  // the payload as a string: length, bytes
    const std::size_t start = w.size();
    model.save_payload(w);
    if (w.size() - start != payload_size)
      throw std::logic_error("save_model: model '" + std::string(model.name()) + "' wrote " +
                             std::to_string(w.size() - start) + " payload bytes, then " + std::to_string(payload_size));
    w.flush();
    os.write(reinterpret_cast<const char*>(&crc), sizeof crc);
  });
}

std::unique_ptr<Recommender> load_model(const std::filesystem::path& file, const Dataset& ds) {
  return load_model_bytes(read_file(file), "model file " + file.string(), ds);
}

std::unique_ptr<Recommender> load_model_bytes(std::string_view bytes, const std::string& what, const Dataset& ds) {
  if (bytes.empty()) throw DataError(what + ": empty file, not a movierec model file");
  const std::size_t head = std::min(bytes.size(), sizeof kMagic);
  if (bytes.compare(0, head, kMagic, head) != 0) throw DataError(what + ": not a movierec model file (bad magic)");
  // Magic, version and checksum at least; a shorter file that starts like one was cut.
  if (bytes.size() < sizeof kMagic + 8)
    throw DataError(what + ": truncated (" + std::to_string(bytes.size()) + " bytes, shorter than any model file)");
  std::uint32_t stored_crc;
  std::memcpy(&stored_crc, bytes.data() + bytes.size() - 4, 4);
  if (crc32_of(bytes.substr(0, bytes.size() - 4)) != stored_crc)
    throw DataError(what + ": checksum mismatch (file truncated or corrupted)");
  BinaryReader r(bytes.substr(0, bytes.size() - 4), what);
  r.get<std::array<char, 8>>();
  auto version = r.get<std::uint32_t>();
  if (version != kFormatVersion)
    throw DataError(what + ": format version " + std::to_string(version) + ", this movierec reads version " +
                    std::to_string(kFormatVersion) + "; retrain the model");
  std::string name = r.get_string();
  ParamMap params;
  auto n_params = r.get<std::uint64_t>();
  if (n_params > r.remaining() / 16) r.fail("parameter count " + std::to_string(n_params));
  for (std::uint64_t k = 0; k < n_params; ++k) {
    std::string key = r.get_string();
    params[key] = r.get_string();
  }
  auto fingerprint = r.get<std::uint64_t>();
  auto users = r.get_vector<std::int64_t>();
  auto items = r.get_vector<std::int64_t>();
  if (fingerprint != ds.fingerprint() || users != ds.users.raw_ids() || items != ds.items.raw_ids())
    throw DataError(what + ": trained on another dataset (fingerprint differs from " + ds.dir.string() +
                    "); retrain it on " + ds.dir.string());
  const auto payload_size = r.get<std::uint64_t>();
  if (payload_size > r.remaining())
    r.fail("payload of " + std::to_string(payload_size) + " bytes, " + std::to_string(r.remaining()) + " left");
  if (payload_size < r.remaining())
    r.fail("trailing bytes: " + std::to_string(r.remaining() - payload_size) + " after the payload");
  const std::string_view payload = bytes.substr(r.position(), payload_size);
  auto model = create_model(name, params);
  BinaryReader pr(payload, what + " (" + name + " payload)");
  // Payload sizes must match the id maps: a file cannot make the model allocate
  // (or compute) more than the dataset itself needs.
  pr.set_dims(users.size(), items.size());
  model->load_payload(pr);
  pr.expect_end("trailing payload bytes");
  if (model->n_users() != users.size() || model->n_items() != items.size())
    throw DataError(what + ": payload dimensions do not match its id maps");
  return model;
}

}  // namespace movierec
