#include "flop/model/digest.hpp"

#include <openssl/evp.h>

#include <fstream>
#include <memory>
#include <vector>

#include "flop/error.hpp"

namespace flop::model {

namespace {

std::string hex(const unsigned char* data, unsigned len) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out += kDigits[data[i] >> 4];
    out += kDigits[data[i] & 15];
  }
  return out;
}

using Ctx = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

std::string digestBytes(const EVP_MD* md, std::string_view bytes) {
  Ctx ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_DigestInit_ex(ctx.get(), md, nullptr);
  EVP_DigestUpdate(ctx.get(), bytes.data(), bytes.size());
  EVP_DigestFinal_ex(ctx.get(), out, &len);
  return hex(out, len);
}

std::string digestFile(const EVP_MD* md, const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw InvalidInput(file.string(), "cannot open for reading");
  Ctx ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), md, nullptr);
  std::vector<char> buf(1 << 20);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<size_t>(in.gcount()));
  }
  if (in.bad()) throw Error(file.string() + ": read failed");
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_DigestFinal_ex(ctx.get(), out, &len);
  return hex(out, len);
}

}  // namespace

struct Sha256Stream::Ctx {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md{EVP_MD_CTX_new(), &EVP_MD_CTX_free};
};

Sha256Stream::Sha256Stream() : ctx_(std::make_unique<Ctx>()) {
  if (!ctx_->md || EVP_DigestInit_ex(ctx_->md.get(), EVP_sha256(), nullptr) != 1) {
    throw Error("sha256: cannot initialise the digest");
  }
}

Sha256Stream::~Sha256Stream() = default;

Sha256Stream::Sha256Stream(const Sha256Stream& other) : ctx_(std::make_unique<Ctx>()) {
  *this = other;
}

Sha256Stream& Sha256Stream::operator=(const Sha256Stream& other) {
  if (this != &other &&
      (!ctx_->md || EVP_MD_CTX_copy_ex(ctx_->md.get(), other.ctx_->md.get()) != 1)) {
    throw Error("sha256: cannot copy the digest state");
  }
  return *this;
}

void Sha256Stream::update(std::string_view bytes) {
  EVP_DigestUpdate(ctx_->md.get(), bytes.data(), bytes.size());
}

std::string Sha256Stream::hexDigest() {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_DigestFinal_ex(ctx_->md.get(), out, &len);
  return hex(out, len);
}

std::string sha1Hex(std::string_view bytes) { return digestBytes(EVP_sha1(), bytes); }
std::string sha256Hex(std::string_view bytes) { return digestBytes(EVP_sha256(), bytes); }
std::string fileSha1Hex(const std::filesystem::path& f) { return digestFile(EVP_sha1(), f); }
std::string fileSha256Hex(const std::filesystem::path& f) { return digestFile(EVP_sha256(), f); }

}  // namespace flop::model
