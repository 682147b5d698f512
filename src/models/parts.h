// Models made of other models (mix, blend, ltr): the names of their parts,
// the parts' parameters, and the parts' payloads inside theirs.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "movierec/recommender.h"
#include "util/binary_io.h"

namespace movierec {

// The models named by a comma-separated list (parameter `parameter` of model
// `model`), trimmed. A part may carry a tag after '#' ("session-ease#context"),
// so that one model can be a part twice with other parameters; its parameters
// are then given as "session-ease#context.key=value". Throws ConfigError naming
// both for an empty list, the model itself among them, or a name given twice.
std::vector<std::string> part_names(const std::string& model, const std::string& parameter, const std::string& list);

// The parameters of one part out of "part.key=value;part.key=value" (mix's
// `model_params`, blend's and ltr's `base_params`): the entries for `part`,
// without its prefix. Throws ConfigError naming model and parameter for an
// entry that is not part.key=value or (with parts non-empty) names no part.
ParamMap part_params(const std::string& model, const std::string& parameter, const std::string& part,
                     const std::string& spec, const std::vector<std::string>& parts = {});

// One weight >= 0 per part out of "0.7,0.3" (parameter `parameter` of model
// `model`); at least one above 0. Throws ConfigError naming both.
std::vector<double> part_weights(const std::string& model, const std::string& parameter, const std::string& list,
                                 std::size_t n_parts);

// The part's model: its name without the tag ("session-ease#context" ->
// "session-ease"), created with its entries of spec (see part_params).
std::unique_ptr<Recommender> make_part(const std::string& model, const std::string& parameter, const std::string& part,
                                       const std::string& spec, const std::vector<std::string>& parts);

// A part's payload inside its model's, framed by its length, so a part that
// checks it has read all of its payload (item-knn checks before its costly
// similarity build) sees only its own bytes, and one that reads less than it
// wrote is caught.
void put_nested_payload(detail::BinaryWriter& out, const Recommender& part);
// Reads what put_nested_payload wrote into `part`, whose sizes must match
// n_users x n_items (the dataset's, as read by the outer model). A bad part
// fails `in`, its message starting with `label` ("blend base 'svd'").
void load_nested_payload(detail::BinaryReader& in, Recommender& part, std::size_t n_users, std::size_t n_items,
                         const std::string& label);

}  // namespace movierec
