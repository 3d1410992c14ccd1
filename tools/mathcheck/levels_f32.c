/* levels_f32.c: the bits of fa_exp/sigmoid/tanh/expm1/log1p/erfc_f32 at the baseline, AVX2 and
 * AVX-512 levels compared over every float (or every stride-th one), in one process. Build and
 * run with levels.sh. Usage: levels_f32 [stride, default 1] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void eval_base(int fn, const float *x, float *y, int n);
void eval_avx2(int fn, const float *x, float *y, int n);
void eval_avx512(int fn, const float *x, float *y, int n);

#define CHUNK 65536
static float X[CHUNK], Y0[CHUNK], Y1[CHUNK], Y2[CHUNK];

int main(int argc, char **argv)
{
    uint64_t stride = argc > 1 ? strtoull(argv[1], 0, 10) : 1;
    const char *names[] = {"exp", "sigmoid", "tanh", "expm1", "log1p", "erfc"};
    long bad_total = 0;
    for (int fn = 0; fn < 6; fn++) {
        long bad = 0, nans = 0, count = 0;
        for (uint64_t start = 0; start < (1ull << 32); start += (uint64_t)CHUNK * stride) {
            int n = 0;
            for (uint64_t u = start; u < (1ull << 32) && n < CHUNK; u += stride, n++) {
                uint32_t b = (uint32_t)u;
                memcpy(&X[n], &b, 4);
            }
            eval_base(fn, X, Y0, n);
            eval_avx2(fn, X, Y1, n);
            eval_avx512(fn, X, Y2, n);
            for (int i = 0; i < n; i++) {
                if (Y0[i] != Y0[i] && Y1[i] != Y1[i] && Y2[i] != Y2[i]) {
                    nans += memcmp(&Y0[i], &Y1[i], 4) || memcmp(&Y0[i], &Y2[i], 4);
                } else if (memcmp(&Y0[i], &Y1[i], 4) || memcmp(&Y0[i], &Y2[i], 4)) {
                    if (bad < 3) printf("  %s(%a): base %a avx2 %a avx512 %a\n", names[fn], X[i], Y0[i], Y1[i], Y2[i]);
                    bad++;
                }
            }
            count += n;
        }
        printf("%-8s %ld inputs, %ld differ across levels (+ %ld NaNs with another sign or payload)\n",
               names[fn], count, bad, nans);
        bad_total += bad;
    }
    return bad_total != 0;
}
