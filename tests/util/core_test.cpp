#include <gtest/gtest.h>

#include "../support/shared.h"
#include "models/factor_model.h"
#include "movierec/errors.h"
#include "movierec/registry.h"
#include "util/binary_io.h"
#include "util/parallel.h"
#include "util/params.h"
#include "util/topk.h"

using namespace movierec;

TEST(RatingMatrix, BuildsBothLayoutsSorted) {
  // 2 users x 3 items: u0 rates i2=4, i0=3; u1 rates i1=5.
  RatingMatrix m(2, 3, {{0, 2, 4.f, 10}, {1, 1, 5.f, 11}, {0, 0, 3.f, 12}});
  ASSERT_EQ(m.nnz(), 3u);
  EXPECT_EQ(m.user_items(0)[0], 0u);
  EXPECT_EQ(m.user_items(0)[1], 2u);
  EXPECT_EQ(m.user_values(0)[1], 4.f);
  EXPECT_EQ(m.user_times(0)[0], 12);
  EXPECT_EQ(m.item_users(1)[0], 1u);
  EXPECT_EQ(m.get(0, 2), 4.f);
  EXPECT_EQ(m.get(1, 2), 0.f);
  EXPECT_DOUBLE_EQ(m.mean(), 4.0);  // (4 + 5 + 3) / 3
}

TEST(RatingMatrix, RejectsDuplicatePairs) {
  EXPECT_THROW(RatingMatrix(1, 1, {{0, 0, 1.f, 0}, {0, 0, 2.f, 0}}), DataError);
}

TEST(TopK, OrdersByScoreThenIndexAndSkips) {
  std::vector<float> s = {0.5f, 2.f, 2.f, 1.f, 3.f};
  auto t = top_k(std::span<const float>(s), 3, [](ItemIndex i) { return i == 4; });
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[0].item, 1u);
  EXPECT_EQ(t[1].item, 2u);
  EXPECT_EQ(t[2].item, 3u);
}

TEST(BinaryReader, TruncationIsADataError) {
  BinaryWriter w;
  w.put_vector(std::vector<float>{1, 2, 3});
  std::string b = w.bytes().substr(0, 10);
  BinaryReader r(b, "x");
  EXPECT_THROW(r.get_vector<float>(), DataError);
}

TEST(Registry, UnknownModelAndParameterAreConfigErrors) {
  MOVIEREC_EXPECT_ERROR(create_model("no-such-model"), ConfigError, "'no-such-model'",
                        "available models: ", "baseline");
  MOVIEREC_EXPECT_ERROR(create_model("baseline", {{"bogus", "1"}}), ConfigError, "model 'baseline'", "'bogus'",
                        "valid parameters: ");
  MOVIEREC_EXPECT_ERROR(create_model("baseline", {{"epochs", "-3"}}), ConfigError, "parameter 'epochs'", "\"-3\"");
  MOVIEREC_EXPECT_ERROR(parse_params({"factors"}), ConfigError, "'factors'", "key=value");
  EXPECT_NO_THROW(create_model("baseline", {{"epochs", "3"}}));
}

TEST(Params, OptionalNumberIsEmptyUnlessGivenAndChecksItsRange) {
  Params none("m", {});
  EXPECT_FALSE(none.get_optional_double("reg", "doc", 0, 1).has_value());
  ASSERT_EQ(none.specs().size(), 1u);
  EXPECT_EQ(none.specs()[0].default_value, "unset");
  Params given("m", {{"reg", "0.25"}});
  EXPECT_EQ(given.get_optional_double("reg", "doc", 0, 1), 0.25);
  EXPECT_NO_THROW(given.finish());  // read, so not unknown
  Params out_of_range("m", {{"reg", "2"}});
  MOVIEREC_EXPECT_ERROR(out_of_range.get_optional_double("reg", "doc", 0, 1), ConfigError, "model 'm'",
                        "parameter 'reg'", "a number in [0, 1]", "\"2\"");
}

TEST(Baseline, BiasesMatchHandComputation) {
  // One sweep, reg 0: mu = (5+3+4)/3 = 4; b_i0 = ((5-4)+(3-4))/2 = 0, b_i1 = 0;
  // b_u0 = (5-4-0)/1 = 1, b_u1 = ((3-4)+(4-4))/2 = -0.5.
  RatingMatrix m(2, 2, {{0, 0, 5.f, 0}, {1, 0, 3.f, 0}, {1, 1, 4.f, 0}});
  auto model = create_model("baseline", {{"reg_user", "0"}, {"reg_item", "0"}, {"epochs", "1"}});
  model->fit(m, {});
  EXPECT_FLOAT_EQ(model->predict(0, 1), 4.f + 1.f + 0.f);
  EXPECT_FLOAT_EQ(model->predict(1, 0), 4.f - 0.5f + 0.f);
}

namespace movierec {
namespace {

// Issue 12: with the default "every core", small fits were 2x slower than on
// one thread on a busy 2-core machine. The chooser gives one thread per
// kWorkPerThread multiply-adds, never more than every core, and a count the
// caller asked for as is.
TEST(ThreadsForFlops, SmallWorkRunsOnOneThread) {
  const int cores = omp_get_max_threads();
  EXPECT_EQ(threads_for_flops(0, 0), 1);
  EXPECT_EQ(threads_for_flops(0, 1.6e8), 1);  // svd, 100 factors, 20 epochs, an ml-100k fold
  EXPECT_EQ(threads_for_flops(0, kWorkPerThread * 0.99), 1);
  EXPECT_EQ(threads_for_flops(0, kWorkPerThread * 2.5), std::min(cores, 2));
  EXPECT_EQ(threads_for_flops(0, 1e15), cores);  // big fits: every core
  EXPECT_EQ(threads_for_flops(3, 0), 3);         // asked for: taken as is
  EXPECT_EQ(threads_for_flops(1, 1e15), 1);
}

TEST(ThreadsForFlops, FitThreadsTakesParamThenOptionsThenWork) {
  FitOptions o;
  EXPECT_EQ(fit_threads(0, o, 1e3), 1);                       // by work
  EXPECT_EQ(fit_threads(0, o, 1e15), omp_get_max_threads());  // by work
  o.threads = 2;
  EXPECT_EQ(fit_threads(0, o, 1e3), 2);  // --threads
  EXPECT_EQ(fit_threads(5, o, 1e3), 5);  // the model's threads parameter
}

}  // namespace
}  // namespace movierec
