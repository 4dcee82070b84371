/* Is a caller's own picture fit to hide bits in?  LSB matching changes colour
 * values by +-1 (+-2 at 2 bits) independently in each channel.  That is
 * invisible in a photo's grain, and plain to see where the picture has none:
 *   - grey pixels (R = G = B) become coloured ones;
 *   - flat areas (a pixel equal to its neighbour) gain noise;
 *   - a picture that uses few distinct values (1-bit, palette, a stretched
 *     histogram with gaps) gains values it never had: {0, 255} becomes
 *     {0, 1, 254, 255}.
 * Such covers are refused with the reason (docs/container-format.md, "Covers"). */
#include <string.h>
#include "stego/cover.h"
#include "util/error.h"

void fc_cover_assess(const fc_image *im, int bits, fc_cover_stats *s) {
    memset(s, 0, sizeof *s);
    if (!im || !im->px || im->c != 3 || im->w <= 0 || im->h <= 0) return;
    int radius = bits == 2 ? 2 : 1;
    uint64_t grey = 0, flat = 0, pairs = 0;
    uint64_t hist[3][256];
    memset(hist, 0, sizeof hist);
    for (int y = 0; y < im->h; y++) {
        const uint8_t *row = im->px + (size_t)y * im->w * 3;
        for (int x = 0; x < im->w; x++) {
            const uint8_t *p = row + (size_t)x * 3;
            grey += p[0] == p[1] && p[1] == p[2];
            if (x > 0) flat += !memcmp(p, p - 3, 3);
            for (int c = 0; c < 3; c++) hist[c][p[c]]++;
        }
        pairs += (uint64_t)im->w - 1;
    }
    uint64_t pixels = (uint64_t)im->w * (uint64_t)im->h;
    s->grey = (double)grey / (double)pixels;
    s->flat = pairs ? (double)flat / (double)pairs : 1.0;
    for (int c = 0; c < 3; c++) {
        int used = 0, created = 0;
        for (int v = 0; v < 256; v++) {
            if (hist[c][v]) {
                used++;
                continue;
            }
            /* An unused value that embedding reaches from a value used so often
             * that a smooth histogram could not have left this one empty (a small
             * picture leaves chance gaps: those are no tell). */
            int reach = 0;
            for (int d = -radius; d <= radius && !reach; d++)
                reach = d && v + d >= 0 && v + d < 256 && hist[c][v + d] >= FC_COVER_GAP_COUNT;
            created += reach;
        }
        s->used[c] = used;
        s->created[c] = created;
    }
}

int fc_cover_check_quality(const fc_image *im, int bits, fc_error *err) {
    fc_cover_stats s;
    fc_cover_assess(im, bits, &s);
    if (s.grey >= FC_COVER_GREY_MAX)
        return fc_fail(err, FC_EINPUT,
                       "the cover is grey: %.0f%% of its pixels have R = G = B, and hiding changes each colour "
                       "channel on its own, so they would turn into coloured pixels; use a colour photo",
                       100 * s.grey);
    if (s.flat >= FC_COVER_FLAT_MAX)
        return fc_fail(err, FC_EINPUT,
                       "the cover is flat: %.0f%% of its pixels repeat their left neighbour (a drawing, a "
                       "screenshot, a plain background, or an enlarged picture), and hidden bits would show as "
                       "noise there; use a photo with grain everywhere",
                       100 * s.flat);
    static const char *names[3] = {"red", "green", "blue"};
    for (int c = 0; c < 3; c++)
        if (s.created[c] > s.used[c] / 8 + 1)
            return fc_fail(err, FC_EINPUT,
                           "the cover's %s channel uses only %d distinct values (a 1-bit, palette or posterised "
                           "picture, or a histogram with gaps), and hiding would add %d values it never uses; use a "
                           "photo",
                           names[c], s.used[c], s.created[c]);
    return FC_OK;
}
