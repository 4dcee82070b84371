/* A tiny plotting library that renders into an RGB fc_image: line plots (training
 * curves) and 256-bin histograms, with axes, ticks, labels and a legend drawn in a
 * built-in 5x7 bitmap font.  Public entry points are fc_plot_lines and
 * fc_plot_histogram in include/facecrypt.h; these helpers are for the tests and for
 * other drawing code in the project. */
#ifndef FC_ANALYSIS_PLOT_H
#define FC_ANALYSIS_PLOT_H
#include <stdint.h>
#include "facecrypt.h"

/* Glyphs for ASCII 32..126: 9 rows (7 above the baseline, 2 for descenders of
 * g j p q y), leftmost pixel in bit 4. */
extern const uint8_t fc_font5x7[95][9];

/* Glyph cell: 5 columns of ink plus one of spacing; 7 rows above the baseline plus 2
 * of descender; all times the scale. */
#define FC_GLYPH_W 6
#define FC_GLYPH_ASCENT 7
#define FC_GLYPH_H 9

/* The i-th colour of the default palette (0xRRGGBB; distinct, colour-blind-aware). */
uint32_t fc_plot_palette(int i);

/* Width in pixels of a one-line string at a scale (characters outside 32..126 count as '?'). */
int fc_text_width(const char *s, int scale);
/* Draw text with the top-left corner of its first cell at (x, y); rotated = 1 draws it turned 90 degrees
 * counter-clockwise (reading upwards) with (x, y) its bottom-left corner.  Clipped to
 * the image. */
void fc_draw_text(fc_image *img, int x, int y, const char *s, int scale, uint32_t rgb, int rotated);

#endif
