/* fa_philox.h: Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3",
 * SC'11), the counter-based generator behind every random kernel (rrelu slopes, dropout masks).
 *
 * A random value is a pure function of (key, counter): element i of a call draws from counter
 * (i / 4, stream, 0, 0) word i % 4, so results depend only on the seed and the element's index,
 * never on the thread count or on how the work is sliced. Branch-free integer arithmetic, so
 * loops over it vectorize.
 */
#ifndef FA_PHILOX_H
#define FA_PHILOX_H

#include <stdint.h>

typedef struct {
    uint32_t v[4];
} fa_philox_ctr;

static inline uint32_t fa_mulhilo32(uint32_t a, uint32_t b, uint32_t *hi)
{
    uint64_t p = (uint64_t)a * (uint64_t)b;
    *hi = (uint32_t)(p >> 32);
    return (uint32_t)p;
}

/* The 10-round Philox4x32 bijection of counter c under key (k0, k1). */
static inline fa_philox_ctr fa_philox4x32(fa_philox_ctr c, uint32_t k0, uint32_t k1)
{
    const uint32_t M0 = 0xD2511F53u, M1 = 0xCD9E8D57u;
    const uint32_t W0 = 0x9E3779B9u, W1 = 0xBB67AE85u;
    for (int r = 0; r < 10; r++) {
        uint32_t hi0, hi1;
        uint32_t lo0 = fa_mulhilo32(M0, c.v[0], &hi0);
        uint32_t lo1 = fa_mulhilo32(M1, c.v[2], &hi1);
        fa_philox_ctr n;
        n.v[0] = hi1 ^ c.v[1] ^ k0;
        n.v[1] = lo1;
        n.v[2] = hi0 ^ c.v[3] ^ k1;
        n.v[3] = lo0;
        c = n;
        k0 += W0;
        k1 += W1;
    }
    return c;
}

/* The 32-bit random word for element `index` of stream `stream` under seed `seed`. */
static inline uint32_t fa_philox_word(uint64_t seed, uint64_t stream, uint64_t index)
{
    fa_philox_ctr c;
    c.v[0] = (uint32_t)(index >> 2);
    c.v[1] = (uint32_t)(index >> 34);
    c.v[2] = (uint32_t)stream;
    c.v[3] = (uint32_t)(stream >> 32);
    fa_philox_ctr r = fa_philox4x32(c, (uint32_t)seed, (uint32_t)(seed >> 32));
    uint32_t w = (uint32_t)(index & 3u);
    /* select word w without a data-dependent branch */
    uint32_t a = w == 0 ? r.v[0] : r.v[1];
    uint32_t b = w == 2 ? r.v[2] : r.v[3];
    return w < 2 ? a : b;
}

/* Uniform on [0, 1) with 24 random bits (float) or 32 random bits (double). */
static inline float fa_u01_f32(uint32_t u) { return (float)(u >> 8) * 0x1p-24f; }
static inline double fa_u01_f64(uint32_t u) { return (double)u * 0x1p-32; }

#endif
