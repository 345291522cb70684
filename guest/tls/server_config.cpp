// wasio::tls::server_config: PEM, certificates and keys decoded by BearSSL; the shared LRU cache.

#include "wasio/tls/server_config.hpp"

#include <bearssl.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "server_state.hpp"
#include "wasio/fs/file.hpp"

namespace wasio::tls {
namespace {

std::string last_detail;

failure fail_with(errc code, std::string detail) {
  last_detail = std::move(detail);
  return fail(code);
}

struct pem_object {
  std::string name;
  std::vector<unsigned char> der;
};

void append_der(void* ctx, const void* data, std::size_t len) {
  auto* out = static_cast<std::vector<unsigned char>*>(ctx);
  const auto* bytes = static_cast<const unsigned char*>(data);
  out->insert(out->end(), bytes, bytes + len);
}

/// Every PEM object in `text`, decoded by BearSSL's PEM decoder.
result<std::vector<pem_object>> decode_pem(std::string_view text, std::string_view what) {
  br_pem_decoder_context pc;
  br_pem_decoder_init(&pc);
  std::vector<pem_object> objects;
  bool inside = false;
  // The decoder needs a newline after the last END line; a file may lack one.
  const std::string_view pieces[] = {text, "\n"};
  for (std::string_view piece : pieces) {
    while (!piece.empty()) {
      const std::size_t used = br_pem_decoder_push(&pc, piece.data(), piece.size());
      piece.remove_prefix(used);
      switch (br_pem_decoder_event(&pc)) {
        case BR_PEM_BEGIN_OBJ:
          objects.push_back(pem_object{br_pem_decoder_name(&pc), {}});
          br_pem_decoder_setdest(&pc, &append_der, &objects.back().der);
          inside = true;
          break;
        case BR_PEM_END_OBJ: inside = false; break;
        case BR_PEM_ERROR: return fail_with(errc::badmsg, std::string(what) + ": not valid PEM");
        default: break;
      }
    }
  }
  if (inside) return fail_with(errc::badmsg, std::string(what) + ": PEM object without its END line");
  return objects;
}

result<std::string> read_file(std::string_view path, std::size_t max, std::string_view what) {
  auto file = fs::file::open(path, fs::open_mode::read);
  if (!file) return fail_with(file.error(), std::string(what) + " " + std::string(path) + ": cannot open: " +
                                                std::string(wasio::to_string(file.error())));
  std::string text;
  std::byte chunk[4096];
  for (;;) {
    auto got = file->read(chunk);
    if (!got) return fail_with(got.error(), std::string(what) + " " + std::string(path) + ": cannot read: " +
                                                std::string(wasio::to_string(got.error())));
    if (*got == 0) break;
    if (text.size() + *got > max)
      return fail_with(errc::fbig, std::string(what) + " " + std::string(path) + ": larger than " +
                                       std::to_string(max) + " bytes");
    text.append(reinterpret_cast<const char*>(chunk), *got);
  }
  return text;
}

// The public key a private key belongs to, as the bytes a certificate holds (EC point, RSA modulus).
bool key_matches(const server_config::state& s, const br_x509_pkey& pub) {
  if (s.key_type != pub.key_type) return false;
  if (s.key_type == BR_KEYTYPE_EC) {
    unsigned char point[BR_EC_KBUF_PUB_MAX_SIZE];
    br_ec_public_key computed;
    const std::size_t len = br_ec_compute_pub(br_ec_get_default(), &computed, point, &s.ec_key);
    return len != 0 && computed.curve == pub.key.ec.curve && len == pub.key.ec.qlen &&
           std::memcmp(point, pub.key.ec.q, len) == 0;
  }
  br_rsa_compute_modulus modulus = br_rsa_compute_modulus_get_default();
  std::vector<unsigned char> n(modulus(nullptr, &s.rsa_key));
  if (n.empty() || modulus(n.data(), &s.rsa_key) != n.size()) return false;
  // The certificate's modulus may carry leading zeros; compare the significant bytes.
  auto strip = [](const unsigned char* p, std::size_t len) {
    while (len > 0 && *p == 0) ++p, --len;
    return std::string_view(reinterpret_cast<const char*>(p), len);
  };
  return strip(n.data(), n.size()) == strip(pub.key.rsa.n, pub.key.rsa.nlen);
}

// Lifetime: the decoders' keys point into their own context; copy each part into owned storage.
const unsigned char* keep(std::vector<std::vector<unsigned char>>& store, const unsigned char* p, std::size_t len) {
  store.emplace_back(p, p + len);
  return store.back().data();
}

}  // namespace

server_config::state::~state() {
  // The key's parts are secrets: do not leave them in freed memory.
  for (auto& part : key_parts) std::fill(part.begin(), part.end(), 0);
}

const char* server_config::error_detail() { return last_detail.c_str(); }

result<server_config> server_config::from_pem(std::string_view chain_pem, std::string_view key_pem, settings s) {
  last_detail.clear();
  auto st = std::make_unique<state>();
  st->options = std::move(s);

  auto chain = decode_pem(chain_pem, "certificate");
  if (!chain) return fail(chain.error());
  for (pem_object& o : *chain) {
    if (o.name != "CERTIFICATE" && o.name != "X509 CERTIFICATE") continue;
    if (st->chain_der.size() == st->options.max_chain)
      return fail_with(errc::badmsg, "certificate: more than " + std::to_string(st->options.max_chain) +
                                         " certificates in the chain");
    st->chain_der.push_back(std::move(o.der));
  }
  if (st->chain_der.empty()) return fail_with(errc::badmsg, "certificate: no CERTIFICATE block");
  for (auto& der : st->chain_der) st->chain.push_back(br_x509_certificate{der.data(), der.size()});

  // The leaf's public key (to check the private key against) and its issuer's key type (for
  // BearSSL's ECDH suites bookkeeping).
  br_x509_decoder_context xc;
  br_x509_pkey leaf_key{};
  std::vector<std::vector<unsigned char>> leaf_parts;
  br_x509_decoder_init(&xc, nullptr, nullptr);
  br_x509_decoder_push(&xc, st->chain[0].data, st->chain[0].data_len);
  const br_x509_pkey* pk = br_x509_decoder_get_pkey(&xc);
  if (pk == nullptr || br_x509_decoder_last_error(&xc) != 0)
    return fail_with(errc::badmsg, "certificate: the first certificate does not decode (BearSSL error " +
                                       std::to_string(br_x509_decoder_last_error(&xc)) + ")");
  leaf_key = *pk;
  st->issuer_key_type = br_x509_decoder_get_signer_key_type(&xc);

  auto keys = decode_pem(key_pem, "key");
  if (!keys) return fail(keys.error());
  const pem_object* key = nullptr;
  for (const pem_object& o : *keys) {
    if (o.name == "ENCRYPTED PRIVATE KEY") return fail_with(errc::badmsg, "key: encrypted (give an unencrypted key)");
    if (o.name == "PRIVATE KEY" || o.name == "EC PRIVATE KEY" || o.name == "RSA PRIVATE KEY") {
      key = &o;
      break;
    }
  }
  if (key == nullptr) return fail_with(errc::badmsg, "key: no PRIVATE KEY, EC PRIVATE KEY or RSA PRIVATE KEY block");
  br_skey_decoder_context kc;
  br_skey_decoder_init(&kc);
  br_skey_decoder_push(&kc, key->der.data(), key->der.size());
  if (const int err = br_skey_decoder_last_error(&kc); err != 0)
    return fail_with(err == BR_ERR_X509_UNSUPPORTED ? errc::notsup : errc::badmsg,
                     "key: does not decode (BearSSL error " + std::to_string(err) + ")");
  st->key_type = br_skey_decoder_key_type(&kc);
  if (st->key_type == BR_KEYTYPE_EC) {
    const br_ec_private_key* ec = br_skey_decoder_get_ec(&kc);
    if ((br_ec_get_default()->supported_curves >> ec->curve & 1) == 0)
      return fail_with(errc::notsup, "key: EC curve " + std::to_string(ec->curve) + " is not supported");
    st->ec_key = br_ec_private_key{ec->curve, const_cast<unsigned char*>(keep(st->key_parts, ec->x, ec->xlen)), ec->xlen};
  } else if (st->key_type == BR_KEYTYPE_RSA) {
    const br_rsa_private_key* rsa = br_skey_decoder_get_rsa(&kc);
    auto part = [&](const unsigned char* p, std::size_t len) {
      return const_cast<unsigned char*>(keep(st->key_parts, p, len));
    };
    st->rsa_key = br_rsa_private_key{rsa->n_bitlen,  part(rsa->p, rsa->plen),   rsa->plen,
                                     part(rsa->q, rsa->qlen),   rsa->qlen,  part(rsa->dp, rsa->dplen),
                                     rsa->dplen, part(rsa->dq, rsa->dqlen), rsa->dqlen,
                                     part(rsa->iq, rsa->iqlen), rsa->iqlen};
  } else {
    return fail_with(errc::notsup, "key: neither RSA nor EC");
  }
  if (!key_matches(*st, leaf_key)) return fail_with(errc::inval, "key does not match the certificate");

  st->alpn_names.reserve(st->options.protocols.size());
  for (const std::string& name : st->options.protocols) st->alpn_names.push_back(name.c_str());
  if (st->options.session_cache_entries > 0) {
    st->cache_store.resize(st->options.session_cache_entries * 100);  // BearSSL: 100 bytes an entry
    br_ssl_session_cache_lru_init(&st->cache, st->cache_store.data(), st->cache_store.size());
  }
  return server_config(std::move(st));
}

result<server_config> server_config::load(std::string_view chain_path, std::string_view key_path, settings s) {
  last_detail.clear();
  auto chain = read_file(chain_path, s.max_pem_bytes, "certificate");
  if (!chain) return fail(chain.error());
  auto key = read_file(key_path, s.max_pem_bytes, "key");
  if (!key) return fail(key.error());
  auto made = from_pem(*chain, *key, std::move(s));
  // Lifetime: the key's text is not needed any more; do not leave it in freed memory.
  std::fill(key->begin(), key->end(), '\0');
  return made;
}

std::string describe(const counters& c) {
  auto n = [](std::uint64_t v) { return std::to_string(v); };
  return "handshakes=" + n(c.handshakes) + " resumed=" + n(c.resumed) + " alpn-http/1.1=" + n(c.alpn_http11) +
         " | refused: plain-http=" + n(c.plain_http) + " bad-handshake=" + n(c.bad_handshake) +
         " oversized=" + n(c.oversized) + " vanished=" + n(c.vanished) + " timeouts=" + n(c.timeouts) +
         " | after the handshake: broken=" + n(c.broken) + " close-notify=" + n(c.close_notify) +
         " truncated=" + n(c.truncated);
}

server_config::server_config(std::unique_ptr<state> s) : state_(std::move(s)) {}
server_config::server_config(server_config&&) noexcept = default;
server_config& server_config::operator=(server_config&&) noexcept = default;
server_config::~server_config() = default;

const char* server_config::key_kind() const { return state_->key_type == BR_KEYTYPE_EC ? "EC" : "RSA"; }
std::size_t server_config::chain_length() const { return state_->chain.size(); }
const settings& server_config::options() const { return state_->options; }
counters& server_config::stats() { return state_->stats; }
const counters& server_config::stats() const { return state_->stats; }
std::size_t server_config::session_cache_bytes() const { return state_->cache_store.size(); }

}  // namespace wasio::tls
