#include "zip_raw_entries.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>

namespace flop::model {

namespace {

constexpr uint32_t kLocalSig = 0x04034b50;
constexpr uint32_t kCentralSig = 0x02014b50;
constexpr uint32_t kEndSig = 0x06054b50;
constexpr uint32_t kEnd64LocatorSig = 0x07064b50;
constexpr uint32_t kEnd64Sig = 0x06064b50;
constexpr size_t kEndBytes = 22;
constexpr size_t kMaxComment = 0xffff;

uint16_t le16(const unsigned char* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
uint32_t le32(const unsigned char* p) {
  return static_cast<uint32_t>(le16(p)) | (static_cast<uint32_t>(le16(p + 2)) << 16);
}
uint64_t le64(const unsigned char* p) {
  return static_cast<uint64_t>(le32(p)) | (static_cast<uint64_t>(le32(p + 4)) << 32);
}

bool readAt(int fd, std::string& out, uint64_t len, uint64_t offset) {
  out.resize(len);
  uint64_t done = 0;
  while (done < len) {
    const ssize_t n = ::pread(fd, out.data() + done, len - done, static_cast<off_t>(offset + done));
    if (n <= 0) return false;
    done += static_cast<uint64_t>(n);
  }
  return true;
}

const unsigned char* bytes(const std::string& s, size_t at = 0) {
  return reinterpret_cast<const unsigned char*>(s.data()) + at;
}

struct CentralDirectory {
  uint64_t entries = 0;
  uint64_t offset = 0;
  uint64_t size = 0;
};

// The end of central directory record (and its zip64 form), searched from the end of the file.
std::optional<CentralDirectory> findCentralDirectory(int fd, uint64_t fileSize) {
  if (fileSize < kEndBytes) return std::nullopt;
  const uint64_t tailLen = std::min<uint64_t>(fileSize, kEndBytes + kMaxComment);
  std::string tail;
  if (!readAt(fd, tail, tailLen, fileSize - tailLen)) return std::nullopt;
  for (size_t at = tailLen - kEndBytes + 1; at-- > 0;) {
    const unsigned char* e = bytes(tail, at);
    if (le32(e) != kEndSig || at + kEndBytes + le16(e + 20) != tailLen) continue;
    CentralDirectory cd{le16(e + 10), le32(e + 16), le32(e + 12)};
    if (cd.entries == 0xffff || cd.offset == 0xffffffff || cd.size == 0xffffffff) {
      const uint64_t endAt = fileSize - tailLen + at;
      std::string loc;
      if (endAt < 20 || !readAt(fd, loc, 20, endAt - 20) || le32(bytes(loc)) != kEnd64LocatorSig) {
        return std::nullopt;
      }
      std::string end64;
      const uint64_t end64At = le64(bytes(loc, 8));
      if (!readAt(fd, end64, 56, end64At) || le32(bytes(end64)) != kEnd64Sig) return std::nullopt;
      cd = {le64(bytes(end64, 32)), le64(bytes(end64, 48)), le64(bytes(end64, 40))};
    }
    if (cd.offset > fileSize || cd.size > fileSize - cd.offset) return std::nullopt;
    return cd;
  }
  return std::nullopt;
}

}  // namespace

std::vector<std::optional<RawZipEntry>> readRawZipEntries(int fd, uint64_t fileSize, zip_t* za) {
  const zip_int64_t count = zip_get_num_entries(za, 0);
  std::vector<std::optional<RawZipEntry>> out(count > 0 ? static_cast<size_t>(count) : 0);
  const auto cd = findCentralDirectory(fd, fileSize);
  std::string dir;
  if (!cd || cd->entries != out.size() || !readAt(fd, dir, cd->size, cd->offset)) return out;
  size_t at = 0;
  std::string local;
  for (size_t i = 0; i < out.size(); ++i) {
    if (at + 46 > dir.size() || le32(bytes(dir, at)) != kCentralSig) return out;
    const unsigned char* c = bytes(dir, at);
    const uint16_t flags = le16(c + 8);
    const uint16_t method = le16(c + 10);
    const uint32_t crc = le32(c + 16);
    uint64_t compSize = le32(c + 20);
    uint64_t size = le32(c + 24);
    const size_t nameLen = le16(c + 28), extraLen = le16(c + 30), commentLen = le16(c + 32);
    uint64_t localAt = le32(c + 42);
    const size_t next = at + 46 + nameLen + extraLen + commentLen;
    if (next > dir.size()) return out;
    const std::string_view name(dir.data() + at + 46, nameLen);
    // zip64 extra field: the 0xffffffff fields, in this order.
    for (size_t x = at + 46 + nameLen; x + 4 <= at + 46 + nameLen + extraLen;) {
      const uint16_t id = le16(bytes(dir, x)), len = le16(bytes(dir, x + 2));
      if (x + 4 + len > at + 46 + nameLen + extraLen) break;
      if (id == 0x0001) {
        size_t f = x + 4;
        for (uint64_t* field : {&size, &compSize, &localAt}) {
          if (*field != 0xffffffff) continue;
          if (f + 8 > x + 4 + len) break;
          *field = le64(bytes(dir, f));
          f += 8;
        }
      }
      x += 4 + len;
    }
    at = next;
    // Deflated, unencrypted file entries only, and only where libzip reads the same entry.
    zip_stat_t st;
    zip_stat_init(&st);
    if (method != ZIP_CM_DEFLATE || (flags & 1) != 0 || name.empty() || name.back() == '/' ||
        zip_stat_index(za, i, ZIP_FL_ENC_RAW, &st) != 0 || st.name == nullptr ||
        name != std::string_view(st.name) || st.comp_size != compSize || st.size != size ||
        st.crc != crc || st.comp_method != ZIP_CM_DEFLATE) {
      continue;
    }
    if (localAt > fileSize || fileSize - localAt < 30 || !readAt(fd, local, 30, localAt) ||
        le32(bytes(local)) != kLocalSig) {
      continue;
    }
    const uint64_t dataAt = localAt + 30 + le16(bytes(local, 26)) + le16(bytes(local, 28));
    if (dataAt > fileSize || fileSize - dataAt < compSize) continue;
    out[i] = RawZipEntry{fd, dataAt, compSize, size, crc, static_cast<int64_t>(st.mtime)};
  }
  return out;
}

}  // namespace flop::model
