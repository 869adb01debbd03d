/*
 * softsk: a software security key for OpenSSH, for tests only.
 *
 * OpenSSH talks to FIDO keys through a "SecurityKeyProvider" shared library
 * (ssh -o SecurityKeyProvider=..., ssh-keygen -w ..., or $SSH_SK_PROVIDER).
 * No USB key exists in the lab, so this provider plays one: it keeps each
 * credential as a PEM private key in a directory (the "device") and signs in
 * software exactly the bytes a real authenticator signs:
 *
 *     SHA256(application) || flags || uint32be(counter) || SHA256(message)
 *
 * (Ed25519 signs those bytes; ECDSA P-256 signs their SHA-256.)
 *
 * Environment:
 *   SOFTSK_DIR    the device directory (required; missing = no device found)
 *   SOFTSK_LABEL  at enrolment: the credential's name (default: random hex)
 *   SOFTSK_DEBUG  set: explain refusals on stderr
 *
 * Per credential, <dir>/<label>.conf holds its behaviour; a test edits it:
 *   counter N     the last counter used; a signature uses N+1 and stores it
 *                 (write a lower N to make the key replay an old counter)
 *   touch yes|no  whether the user "touches" (the user-presence flag, 0x01)
 *   uv yes|no|auto  user verification flag (0x04): auto = set when a PIN is
 *                 given; a key that needs UV without a PIN asks for one
 *
 * The key handle is "softsk1:" + label; it names the credential, it does not
 * wrap the key (the directory is the device). Provider API 0x000a0000 is the
 * one OpenSSH 8.9 to 9.x load.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

/* The provider ABI, as OpenSSH's sk-api.h (version 0x000a0000) defines it. */
#define SOFTSK_API_VERSION 0x000a0000
#define FLAG_USER_PRESENCE 0x01
#define FLAG_USER_VERIFICATION 0x04
#define ALG_ECDSA_P256 0x00
#define ALG_ED25519 0x01
#define ERR_GENERAL -1
#define ERR_UNSUPPORTED -2
#define ERR_PIN_REQUIRED -3
#define ERR_DEVICE_NOT_FOUND -4
#define ERR_CREDENTIAL_EXISTS -5

struct sk_enroll_response {
	uint8_t flags;
	uint8_t *public_key;
	size_t public_key_len;
	uint8_t *key_handle;
	size_t key_handle_len;
	uint8_t *signature;
	size_t signature_len;
	uint8_t *attestation_cert;
	size_t attestation_cert_len;
	uint8_t *authdata;
	size_t authdata_len;
};

struct sk_sign_response {
	uint8_t flags;
	uint32_t counter;
	uint8_t *sig_r;
	size_t sig_r_len;
	uint8_t *sig_s;
	size_t sig_s_len;
};

struct sk_resident_key;
struct sk_option;

uint32_t sk_api_version(void);
int sk_enroll(uint32_t alg, const uint8_t *challenge, size_t challenge_len,
    const char *application, uint8_t flags, const char *pin,
    struct sk_option **options, struct sk_enroll_response **enroll_response);
int sk_sign(uint32_t alg, const uint8_t *data, size_t data_len,
    const char *application, const uint8_t *key_handle, size_t key_handle_len,
    uint8_t flags, const char *pin, struct sk_option **options,
    struct sk_sign_response **sign_response);
int sk_load_resident_keys(const char *pin, struct sk_option **options,
    struct sk_resident_key ***rks, size_t *nrks);

static const char HANDLE_PREFIX[] = "softsk1:";
#define LABEL_MAX 64

struct behaviour {
	uint32_t counter;
	int touch;	/* 1 yes, 0 no */
	int uv;		/* 1 yes, 0 no, -1 auto */
};

static void
debug(const char *fmt, const char *arg)
{
	if (getenv("SOFTSK_DEBUG") != NULL) {
		fprintf(stderr, "softsk: ");
		fprintf(stderr, fmt, arg);
		fputc('\n', stderr);
	}
}

static int
valid_label(const char *label)
{
	size_t i, n = strlen(label);

	if (n == 0 || n > LABEL_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		char c = label[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return 0;
	}
	return 1;
}

/* <dir>/<label><suffix> into out; 0 on success. */
static int
cred_path(char *out, size_t outlen, const char *label, const char *suffix)
{
	const char *dir = getenv("SOFTSK_DIR");
	int n;

	if (dir == NULL || *dir == '\0')
		return -1;
	n = snprintf(out, outlen, "%s/%s%s", dir, label, suffix);
	return (n < 0 || (size_t)n >= outlen) ? -1 : 0;
}

static int
write_behaviour(const char *label, const struct behaviour *b)
{
	char path[4096], tmp[4200];
	FILE *f;
	int fd;
	const char *uv = b->uv < 0 ? "auto" : (b->uv ? "yes" : "no");

	if (cred_path(path, sizeof(path), label, ".conf") != 0)
		return -1;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0)
		return -1;
	if ((f = fdopen(fd, "w")) == NULL) {
		close(fd);
		return -1;
	}
	fprintf(f, "counter %u\ntouch %s\nuv %s\n", b->counter,
	    b->touch ? "yes" : "no", uv);
	if (fflush(f) != 0 || fsync(fd) != 0) {
		fclose(f);
		return -1;
	}
	fclose(f);
	return rename(tmp, path);
}

static int
read_behaviour(const char *label, struct behaviour *b)
{
	char path[4096], key[32], value[32];
	FILE *f;

	b->counter = 0;
	b->touch = 1;
	b->uv = -1;
	if (cred_path(path, sizeof(path), label, ".conf") != 0 ||
	    (f = fopen(path, "r")) == NULL)
		return -1;
	while (fscanf(f, "%31s %31s", key, value) == 2) {
		if (strcmp(key, "counter") == 0)
			b->counter = (uint32_t)strtoul(value, NULL, 10);
		else if (strcmp(key, "touch") == 0)
			b->touch = strcmp(value, "no") != 0;
		else if (strcmp(key, "uv") == 0)
			b->uv = strcmp(value, "yes") == 0 ? 1 :
			    (strcmp(value, "no") == 0 ? 0 : -1);
	}
	fclose(f);
	return 0;
}

static EVP_PKEY *
new_key(uint32_t alg)
{
	if (alg == ALG_ED25519)
		return EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	if (alg == ALG_ECDSA_P256)
		return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	return NULL;
}

/* The raw public key OpenSSH expects: 32 bytes, or an uncompressed point. */
static int
public_bytes(EVP_PKEY *key, uint32_t alg, uint8_t **out, size_t *outlen)
{
	size_t len = 0;

	if (alg == ALG_ED25519) {
		if (EVP_PKEY_get_raw_public_key(key, NULL, &len) != 1 ||
		    (*out = calloc(1, len)) == NULL ||
		    EVP_PKEY_get_raw_public_key(key, *out, &len) != 1)
			return -1;
	} else {
		if (EVP_PKEY_get_octet_string_param(key,
		    OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, NULL, 0, &len) != 1 ||
		    (*out = calloc(1, len)) == NULL ||
		    EVP_PKEY_get_octet_string_param(key,
		    OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, *out, len, &len) != 1)
			return -1;
	}
	*outlen = len;
	return 0;
}

uint32_t
sk_api_version(void)
{
	return SOFTSK_API_VERSION;
}

int
sk_enroll(uint32_t alg, const uint8_t *challenge, size_t challenge_len,
    const char *application, uint8_t flags, const char *pin,
    struct sk_option **options, struct sk_enroll_response **enroll_response)
{
	char label[LABEL_MAX + 1], path[4096];
	const char *env_label = getenv("SOFTSK_LABEL");
	struct sk_enroll_response *resp = NULL;
	struct behaviour b = { 0, 1, -1 };
	EVP_PKEY *key = NULL;
	FILE *f = NULL;
	uint8_t rnd[8];
	size_t i;
	int fd, ret = ERR_GENERAL;

	(void)challenge; (void)challenge_len; (void)application; (void)pin;
	(void)options;
	*enroll_response = NULL;
	if (alg != ALG_ED25519 && alg != ALG_ECDSA_P256)
		return ERR_UNSUPPORTED;
	if (env_label != NULL) {
		if (!valid_label(env_label)) {
			debug("bad SOFTSK_LABEL %s", env_label);
			return ERR_GENERAL;
		}
		snprintf(label, sizeof(label), "%s", env_label);
	} else {
		if (RAND_bytes(rnd, sizeof(rnd)) != 1)
			return ERR_GENERAL;
		for (i = 0; i < sizeof(rnd); i++)
			snprintf(label + 2 * i, 3, "%02x", rnd[i]);
	}
	if (cred_path(path, sizeof(path), label, ".pem") != 0) {
		debug("%s", "SOFTSK_DIR is not set: no device");
		return ERR_DEVICE_NOT_FOUND;
	}
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600)) < 0) {
		debug("cannot create %s (exists?)", path);
		return errno == EEXIST ? ERR_CREDENTIAL_EXISTS : ERR_GENERAL;
	}
	if ((f = fdopen(fd, "w")) == NULL) {
		close(fd);
		goto out;
	}
	if ((key = new_key(alg)) == NULL ||
	    PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) != 1 ||
	    fflush(f) != 0 || fsync(fd) != 0)
		goto out;
	if (write_behaviour(label, &b) != 0)
		goto out;
	if ((resp = calloc(1, sizeof(*resp))) == NULL ||
	    public_bytes(key, alg, &resp->public_key, &resp->public_key_len) != 0)
		goto out;
	resp->key_handle_len = strlen(HANDLE_PREFIX) + strlen(label);
	if ((resp->key_handle = calloc(1, resp->key_handle_len + 1)) == NULL)
		goto out;
	snprintf((char *)resp->key_handle, resp->key_handle_len + 1, "%s%s",
	    HANDLE_PREFIX, label);
	resp->flags = flags;
	*enroll_response = resp;
	resp = NULL;
	ret = 0;
 out:
	if (f != NULL)
		fclose(f);
	if (ret != 0)
		unlink(path);
	EVP_PKEY_free(key);
	if (resp != NULL) {
		free(resp->public_key);
		free(resp->key_handle);
		free(resp);
	}
	return ret;
}

static int
handle_label(const uint8_t *handle, size_t len, char *label)
{
	size_t plen = strlen(HANDLE_PREFIX);

	if (len <= plen || len - plen > LABEL_MAX ||
	    memcmp(handle, HANDLE_PREFIX, plen) != 0)
		return -1;
	memcpy(label, handle + plen, len - plen);
	label[len - plen] = '\0';
	return valid_label(label) ? 0 : -1;
}

/* Sign tbs; Ed25519 gives sig_r only, ECDSA gives r and s. */
static int
sign_bytes(EVP_PKEY *key, uint32_t alg, const uint8_t *tbs, size_t tbslen,
    struct sk_sign_response *resp)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint8_t der[128];
	const uint8_t *p = der;
	size_t derlen = sizeof(der);
	ECDSA_SIG *sig = NULL;
	const BIGNUM *r, *s;
	int ret = -1;

	if (ctx == NULL)
		return -1;
	if (alg == ALG_ED25519) {
		resp->sig_r_len = 64;
		if ((resp->sig_r = calloc(1, 64)) == NULL ||
		    EVP_DigestSignInit(ctx, NULL, NULL, NULL, key) != 1 ||
		    EVP_DigestSign(ctx, resp->sig_r, &resp->sig_r_len, tbs,
		    tbslen) != 1)
			goto out;
	} else {
		if (EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key) != 1 ||
		    EVP_DigestSign(ctx, der, &derlen, tbs, tbslen) != 1 ||
		    (sig = d2i_ECDSA_SIG(NULL, &p, (long)derlen)) == NULL)
			goto out;
		ECDSA_SIG_get0(sig, &r, &s);
		resp->sig_r_len = (size_t)BN_num_bytes(r);
		resp->sig_s_len = (size_t)BN_num_bytes(s);
		if ((resp->sig_r = calloc(1, resp->sig_r_len + 1)) == NULL ||
		    (resp->sig_s = calloc(1, resp->sig_s_len + 1)) == NULL)
			goto out;
		BN_bn2bin(r, resp->sig_r);
		BN_bn2bin(s, resp->sig_s);
	}
	ret = 0;
 out:
	ECDSA_SIG_free(sig);
	EVP_MD_CTX_free(ctx);
	return ret;
}

int
sk_sign(uint32_t alg, const uint8_t *data, size_t data_len,
    const char *application, const uint8_t *key_handle, size_t key_handle_len,
    uint8_t flags, const char *pin, struct sk_option **options,
    struct sk_sign_response **sign_response)
{
	char label[LABEL_MAX + 1], path[4096];
	uint8_t tbs[32 + 1 + 4 + 32];
	struct sk_sign_response *resp = NULL;
	struct behaviour b;
	EVP_PKEY *key = NULL;
	FILE *f;
	int have_pin = pin != NULL && *pin != '\0';
	int key_alg, lockfd = -1, ret = ERR_GENERAL;

	(void)options;
	*sign_response = NULL;
	if (handle_label(key_handle, key_handle_len, label) != 0) {
		debug("%s", "not a softsk key handle");
		return ERR_DEVICE_NOT_FOUND;
	}
	if (cred_path(path, sizeof(path), label, ".pem") != 0 ||
	    (f = fopen(path, "r")) == NULL) {
		debug("credential %s is not on this device", label);
		return ERR_DEVICE_NOT_FOUND;
	}
	key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	/* One signature at a time per credential, like a real key: the counter never repeats. */
	if (cred_path(path, sizeof(path), label, ".lock") != 0 ||
	    (lockfd = open(path, O_RDWR | O_CREAT, 0600)) < 0 ||
	    flock(lockfd, LOCK_EX) != 0)
		goto out;
	if (key == NULL || read_behaviour(label, &b) != 0)
		goto out;
	key_alg = EVP_PKEY_get_id(key) == EVP_PKEY_ED25519 ? ALG_ED25519 :
	    ALG_ECDSA_P256;
	if ((uint32_t)key_alg != alg) {
		debug("credential %s has another algorithm", label);
		goto out;
	}
	if (b.uv < 0 && (flags & FLAG_USER_VERIFICATION) && !have_pin) {
		ret = ERR_PIN_REQUIRED;
		goto out;
	}
	b.counter++;
	if (write_behaviour(label, &b) != 0)
		goto out;
	if ((resp = calloc(1, sizeof(*resp))) == NULL)
		goto out;
	resp->counter = b.counter;
	resp->flags = 0;
	if (b.touch)
		resp->flags |= FLAG_USER_PRESENCE;
	if (b.uv == 1 || (b.uv < 0 && have_pin))
		resp->flags |= FLAG_USER_VERIFICATION;
	SHA256((const uint8_t *)application, strlen(application), tbs);
	tbs[32] = resp->flags;
	tbs[33] = (uint8_t)(resp->counter >> 24);
	tbs[34] = (uint8_t)(resp->counter >> 16);
	tbs[35] = (uint8_t)(resp->counter >> 8);
	tbs[36] = (uint8_t)resp->counter;
	SHA256(data, data_len, tbs + 37);
	if (sign_bytes(key, alg, tbs, sizeof(tbs), resp) != 0)
		goto out;
	*sign_response = resp;
	resp = NULL;
	ret = 0;
 out:
	if (lockfd >= 0)
		close(lockfd);	/* releases the lock */
	EVP_PKEY_free(key);
	if (resp != NULL) {
		free(resp->sig_r);
		free(resp->sig_s);
		free(resp);
	}
	return ret;
}

int
sk_load_resident_keys(const char *pin, struct sk_option **options,
    struct sk_resident_key ***rks, size_t *nrks)
{
	(void)pin; (void)options;
	*rks = NULL;
	*nrks = 0;
	return ERR_UNSUPPORTED;
}
