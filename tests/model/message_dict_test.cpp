// The `.json` sidecar writer: the streamed form is the whole document cut into pieces, pieces stay
// small (a sidecar is never held whole), map entries come out in key order.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "boosting_tree.pb.h"
#include "flop/model/message_dict.hpp"

namespace flop::model {
namespace {

namespace buf = com::webank::ai::fate::core::mlmodel::buffer;

buf::BoostingTreeModelParam secureBoost(int trees) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> u(-1, 1);
  buf::BoostingTreeModelParam p;
  p.set_tree_num(trees);
  for (int t = 0; t < trees; ++t) {
    auto* tree = p.add_trees_();
    for (int n = 0; n < 7; ++n) {
      auto* node = tree->add_tree_();
      node->set_id(n);
      node->set_sitename(n % 2 ? "guest:9999" : "host:10000");
      node->set_bid(u(rng));
      (*tree->mutable_split_maskdict())[(n * 7) % 11] = u(rng);
    }
    p.add_tree_plan("0_-1");
  }
  (*p.mutable_feature_name_fid_mapping())[1] = "x1";
  return p;
}

std::vector<std::string> pieces(const google::protobuf::Message& m, size_t atLeast) {
  MessageJsonStream stream(m);
  std::vector<std::string> out;
  for (std::string piece; stream.next(piece, atLeast); piece.clear()) out.push_back(piece);
  return out;
}

TEST(MessageDict, StreamIsTheWholeDocumentInSmallPieces) {
  const auto p = secureBoost(200);
  const std::string whole = messageToPyJson(p);
  ASSERT_GT(whole.size(), 10000u);
  for (const size_t chunk : {size_t{1}, size_t{4096}, size_t{1} << 24}) {
    const auto parts = pieces(p, chunk);
    std::string joined;
    size_t largest = 0;
    for (const auto& part : parts) {
      joined += part;
      largest = std::max(largest, part.size());
    }
    EXPECT_EQ(joined, whole) << "chunk " << chunk;
    if (chunk == 1) {
      // One tree per piece: no piece comes near the document's size.
      EXPECT_GE(parts.size(), 200u);
      EXPECT_LT(largest * 50, whole.size());
    }
  }
  // An empty message streams as "{...}" with its default fields, like the whole form.
  const buf::BoostingTreeModelParam empty;
  std::string joined;
  for (const auto& part : pieces(empty, 1)) joined += part;
  EXPECT_EQ(joined, messageToPyJson(empty));
}

TEST(MessageDict, MapEntriesInKeyOrder) {
  buf::DecisionTreeModelParam tree;
  for (const int key : {24, 3, 12, -1}) (*tree.mutable_split_maskdict())[key] = key / 2.0;
  const auto text = messageToPyJson(tree);
  const auto at = [&](const std::string& s) { return text.find(s); };
  ASSERT_NE(at("\"splitMaskdict\": {"), std::string::npos) << text;
  EXPECT_NE(at("{\"-1\": -0.5, \"3\": 1.5, \"12\": 6.0, \"24\": 12.0}"), std::string::npos) << text;
}

// The generated-accessor path for NodeParam must write exactly what the reflective one does:
// random trees with every field sometimes at its default, -0.0 (present by its bits), NaN and
// infinities, multi-output weights, and with a sidecar's field filter.
TEST(PyJsonWriterFastPath, NodeParamMatchesReflection) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> coin(0, 3);
  const double specials[] = {0.0,
                             -0.0,
                             1.5,
                             -2.25e-300,
                             1e300,
                             std::nan(""),
                             std::numeric_limits<double>::infinity(),
                             -std::numeric_limits<double>::infinity(),
                             0.1};
  std::uniform_int_distribution<int> special(0, 8);
  buf::BoostingTreeModelParam model;
  for (int t = 0; t < 40; ++t) {
    auto* tree = model.add_trees_();
    for (int i = 0; i < 25; ++i) {
      auto* n = tree->add_tree_();
      if (coin(rng)) n->set_id(i - 3);
      if (coin(rng)) n->set_sitename(coin(rng) ? "guest:9999" : "host:\"10000\"\u00e9");
      if (coin(rng)) n->set_fid(coin(rng) * 7);
      if (coin(rng)) n->set_bid(specials[special(rng)]);
      if (coin(rng)) n->set_weight(specials[special(rng)]);
      if (coin(rng)) n->set_is_leaf(coin(rng) > 1);
      if (coin(rng)) n->set_left_nodeid(2 * i + 1);
      if (coin(rng)) n->set_right_nodeid(-(2 * i + 2));
      if (coin(rng)) n->set_missing_dir(coin(rng) - 1);
      for (int k = coin(rng) == 0 ? coin(rng) : 0; k > 0; --k)
        n->add_mo_weight(specials[special(rng)]);
    }
  }
  const auto write = [&](const KnownJsonNames* known, bool fast) {
    PyJsonWriter writer(known, fast);
    std::string out;
    writer.appendMessage(out, model);
    return out;
  };
  const std::string reflective = write(nullptr, false);
  EXPECT_EQ(write(nullptr, true), reflective);
  EXPECT_NE(reflective.find("-0.0"), std::string::npos) << "the case that needs bit presence";
  const KnownJsonNames older = {"trees", "tree",   "id",     "sitename",   "fid",
                                "bid",   "weight", "isLeaf", "leftNodeid", "rightNodeid"};
  EXPECT_EQ(write(&older, true), write(&older, false));
  EXPECT_EQ(write(&older, true).find("moWeight"), std::string::npos);
}

}  // namespace
}  // namespace flop::model
