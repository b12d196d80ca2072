// The watch stream parser: split chunks, several events per chunk, bookmarks, ERROR, garbage.
#include <gtest/gtest.h>

#include "flop/error.hpp"
#include "flop/kube/watch.hpp"

using flop::kube::WatchEvent;
using flop::kube::WatchStreamParser;

namespace {
std::string event(const std::string& type, const std::string& name, const std::string& rv) {
  return R"({"type":")" + type + R"(","object":{"kind":"ConfigMap","metadata":{"name":")" + name +
         R"(","resourceVersion":")" + rv + R"("}}})" + "\n";
}
}  // namespace

TEST(WatchStreamParser, EventSplitAtEveryPossibleByte) {
  const std::string stream = event("ADDED", "a", "1") + event("MODIFIED", "a", "2");
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
    WatchStreamParser parser;
    auto first = parser.feed(std::string_view(stream).substr(0, cut));
    auto second = parser.feed(std::string_view(stream).substr(cut));
    first.insert(first.end(), second.begin(), second.end());
    ASSERT_EQ(first.size(), 2u) << "cut at " << cut;
    EXPECT_EQ(first[0].type, WatchEvent::Type::Added);
    EXPECT_EQ(first[1].type, WatchEvent::Type::Modified);
    EXPECT_EQ(first[1].object["metadata"]["resourceVersion"], "2");
    EXPECT_EQ(parser.buffered(), 0u);
  }
}

TEST(WatchStreamParser, ByteByByteAndManyPerChunk) {
  std::string stream;
  for (int i = 0; i < 50; ++i) stream += event("ADDED", "o" + std::to_string(i), std::to_string(i));
  WatchStreamParser bytes;
  std::size_t count = 0;
  for (char c : stream) count += bytes.feed(std::string_view(&c, 1)).size();
  EXPECT_EQ(count, 50u);
  WatchStreamParser whole;
  EXPECT_EQ(whole.feed(stream).size(), 50u);
}

TEST(WatchStreamParser, LargeObjectAcrossManyChunks) {
  std::string big(3 << 20, 'x');
  std::string line =
      R"({"type":"ADDED","object":{"metadata":{"name":"big"},"data":{"k":")" + big + "\"}}}\n";
  WatchStreamParser parser;
  std::vector<WatchEvent> events;
  for (std::size_t i = 0; i < line.size(); i += 8191) {
    auto got = parser.feed(std::string_view(line).substr(i, 8191));
    events.insert(events.end(), got.begin(), got.end());
  }
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].object["data"]["k"].get<std::string>().size(), big.size());
}

TEST(WatchStreamParser, BookmarkErrorAndDeleted) {
  WatchStreamParser parser;
  auto events = parser.feed(
      R"({"type":"BOOKMARK","object":{"kind":"ConfigMap","metadata":{"resourceVersion":"77"}}})"
      "\n"
      R"({"type":"DELETED","object":{"metadata":{"name":"a","resourceVersion":"78"}}})"
      "\r\n\n"
      R"x({"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired","message":"too old resource version: 1 (78)"}})x"
      "\n");
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].type, WatchEvent::Type::Bookmark);
  EXPECT_EQ(events[0].object["metadata"]["resourceVersion"], "77");
  EXPECT_EQ(events[1].type, WatchEvent::Type::Deleted);
  EXPECT_EQ(events[2].type, WatchEvent::Type::Error);
  EXPECT_EQ(events[2].object["code"], 410);
}

TEST(WatchStreamParser, TrailingLineWithoutNewlineIsParsedAtFinish) {
  WatchStreamParser parser;
  std::string line = event("ADDED", "a", "1");
  line.pop_back();
  EXPECT_TRUE(parser.feed(line).empty());
  EXPECT_EQ(parser.finish().size(), 1u);
  EXPECT_TRUE(parser.finish().empty());
}

TEST(WatchStreamParser, GarbageIsAClearError) {
  auto expectError = [](const std::string& text, const std::string& needle) {
    WatchStreamParser parser;
    try {
      parser.feed(text);
      ADD_FAILURE() << "no error for " << text;
    } catch (const flop::InvalidInput& e) {
      EXPECT_EQ(e.where(), "watch stream");
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expectError("<html>502 Bad Gateway</html>\n", "not valid JSON");
  expectError("{\"object\":{}}\n", "no \"type\"");
  expectError("{\"type\":\"ADDED\"}\n", "no \"object\"");
  expectError("{\"type\":\"EXPLODED\",\"object\":{}}\n", "unknown event type");
  expectError(event("ADDED", "a", "1") + "[1,2\n", "line 2");
}

TEST(WatchStreamParser, OverlongLineIsRejected) {
  WatchStreamParser parser(1024);
  EXPECT_THROW(parser.feed(std::string(2048, 'x')), flop::InvalidInput);
}
