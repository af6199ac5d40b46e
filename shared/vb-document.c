/* vb-document.c — quote, invoice, credit note, vehicle maintenance history
 * and battery health certificate laid out with cairo + pango.
 *
 * One flowing layout walks the model top to bottom with a y cursor; a block
 * that does not fit starts a new page, which repeats the location header,
 * the footer ("Page 2 of 3") and, inside a table, the table's header row.
 * The same walk counts pages (drawing nothing), draws one page (print) or
 * draws every page into a PDF surface, so print and PDF cannot differ.
 * Counting first is what lets every footer know the page total.
 *
 * Labels go through vb_catalog_gettext() in the document's language rather
 * than gettext(): the server renders for many customers at once.  Font
 * metrics are unhinted so a page count made on an image surface matches the
 * pages drawn on a PDF or printer surface. */
#include "vb-document.h"

#include <cairo-pdf.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <qrencode.h>
#include <string.h>

#include "vb-catalog.h"
#include "vb-document-format.h"

#ifndef N_
#define N_(s) (s)
#endif

#define MARGIN      42.0
#define FOOTER      28.0
#define GAP         10.0
#define CELL_PAD     3.0
#define QR_SIZE     96.0

enum { DRAW_NONE = -2, DRAW_ALL = -1 };

typedef enum
{
  STYLE_BODY,
  STYLE_SMALL,
  STYLE_BOLD,
  STYLE_HEADING,
  STYLE_TITLE,
  STYLE_NAME,
} Style;

typedef struct
{
  const char *text;
  double      width;
  PangoAlignment align;
  Style       style;
} Cell;

typedef struct _Doc Doc;
typedef void (*RowFunc) (Doc *d);

struct _Doc
{
  JsonObject  *m;
  const char  *kind;
  const char  *lang;
  const char  *currency;
  cairo_t     *cr;
  PangoLayout *pl;
  PangoFontDescription *fonts[STYLE_NAME + 1];
  double       w, h, left, right, top, bottom, y;
  guint        page;         /* 0-based page being laid out */
  guint        total;        /* pages, when known (0 while counting) */
  gint         target;       /* page to draw, DRAW_ALL or DRAW_NONE */
  gboolean     pdf;          /* cairo_show_page between pages */
  RowFunc      repeat;       /* a table header to repeat on a new page */
  GPtrArray   *strings;      /* formatted text kept until the end */
};

/* ------------------------------------------------------------ helpers --- */

static const char *
T (Doc        *d,
   const char *msgid)
{
  return vb_catalog_gettext (d->lang, msgid);
}

/* Keeps s (owned) until the document is done; returns it. */
static const char *
keep (Doc  *d,
      char *s)
{
  g_ptr_array_add (d->strings, s);
  return s;
}

static const char *
str (JsonObject *o,
     const char *member)
{
  JsonNode *n;

  if (o == NULL || (n = json_object_get_member (o, member)) == NULL
      || JSON_NODE_TYPE (n) != JSON_NODE_VALUE || json_node_get_value_type (n) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (n);
}

static gboolean
has_value (JsonObject *o,
           const char *member)
{
  JsonNode *n;

  return o != NULL && (n = json_object_get_member (o, member)) != NULL
         && JSON_NODE_HOLDS_VALUE (n);
}

static gint64
int_of (JsonObject *o,
        const char *member,
        gint64      fallback)
{
  JsonNode *n;

  if (o == NULL || (n = json_object_get_member (o, member)) == NULL || !JSON_NODE_HOLDS_VALUE (n))
    return fallback;
  if (json_node_get_value_type (n) == G_TYPE_STRING)
    return g_ascii_strtoll (json_node_get_string (n), NULL, 10);
  if (json_node_get_value_type (n) == G_TYPE_DOUBLE)
    return (gint64) json_node_get_double (n);
  return json_node_get_int (n);
}

static JsonObject *
obj (JsonObject *o,
     const char *member)
{
  JsonNode *n;

  if (o == NULL || (n = json_object_get_member (o, member)) == NULL || !JSON_NODE_HOLDS_OBJECT (n))
    return NULL;
  return json_node_get_object (n);
}

static JsonArray *
arr (JsonObject *o,
     const char *member)
{
  JsonNode *n;

  if (o == NULL || (n = json_object_get_member (o, member)) == NULL || !JSON_NODE_HOLDS_ARRAY (n))
    return NULL;
  return json_node_get_array (n);
}

/* A decimal member (number or numeric text) as text with a '.' point, or NULL. */
static char *
decimal_text (JsonObject *o,
              const char *member)
{
  JsonNode *n;
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (o == NULL || (n = json_object_get_member (o, member)) == NULL || !JSON_NODE_HOLDS_VALUE (n))
    return NULL;
  if (json_node_get_value_type (n) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (n));
  if (json_node_get_value_type (n) == G_TYPE_DOUBLE)
    {
      g_ascii_formatd (buf, sizeof buf, "%.2f", json_node_get_double (n));
      /* 1.50 → 1.5, 2.00 → 2 */
      for (char *e = buf + strlen (buf) - 1; e > buf && strchr (buf, '.') != NULL; e--)
        {
          if (*e == '0')
            *e = '\0';
          else
            {
              if (*e == '.')
                *e = '\0';
              break;
            }
        }
      return g_strdup (buf);
    }
  return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (n));
}

static const char *
money (Doc   *d,
       gint64 amount)
{
  return keep (d, vb_format_money (amount, d->currency, d->lang));
}

static const char *
date (Doc        *d,
      const char *iso)
{
  return iso == NULL ? "" : keep (d, vb_format_date (iso, d->lang));
}

static const char *
decimal (Doc        *d,
         JsonObject *o,
         const char *member)
{
  g_autofree char *text = decimal_text (o, member);

  return text == NULL ? NULL : keep (d, vb_format_decimal (text, d->lang));
}

static gboolean
visible (Doc *d)
{
  return d->target == DRAW_ALL || d->target == (gint) d->page;
}

/* Sets up the layout for text at width (≤ 0: unbounded) and returns its height. */
static double
prepare (Doc           *d,
         const char    *text,
         double         width,
         PangoAlignment align,
         Style          style)
{
  int pw, ph;

  pango_layout_set_font_description (d->pl, d->fonts[style]);
  pango_layout_set_width (d->pl, width > 0 ? (int) (width * PANGO_SCALE) : -1);
  pango_layout_set_alignment (d->pl, align);
  pango_layout_set_text (d->pl, text != NULL ? text : "", -1);
  pango_layout_get_size (d->pl, &pw, &ph);
  return (double) ph / PANGO_SCALE;
}

/* Text at (x, y) when the page is drawn; its height either way. */
static double
text_at (Doc           *d,
         double         x,
         double         y,
         double         width,
         PangoAlignment align,
         Style          style,
         const char    *text)
{
  double height = prepare (d, text, width, align, style);

  if (visible (d))
    {
      cairo_move_to (d->cr, x, y);
      pango_cairo_show_layout (d->cr, d->pl);
    }
  return height;
}

static void
rule_between (Doc   *d,
              double x0,
              double x1,
              double y,
              double width)
{
  if (!visible (d))
    return;
  cairo_save (d->cr);
  cairo_set_line_width (d->cr, width);
  cairo_move_to (d->cr, x0, y);
  cairo_line_to (d->cr, x1, y);
  cairo_stroke (d->cr);
  cairo_restore (d->cr);
}

static void
rule (Doc   *d,
      double y,
      double width)
{
  rule_between (d, d->left, d->right, y, width);
}

static const char *
document_title (Doc *d)
{
  const char *kind = d->kind;

  if (g_strcmp0 (kind, "quote") == 0)
    return T (d, N_("Quote"));
  if (g_strcmp0 (kind, "credit_note") == 0)
    return T (d, N_("Credit note"));
  if (g_strcmp0 (kind, "vehicle_history") == 0)
    return T (d, N_("Vehicle maintenance history"));
  if (g_strcmp0 (kind, "battery_certificate") == 0)
    return T (d, N_("Battery health certificate"));
  return T (d, N_("Invoice"));
}

/* ------------------------------------------------ header, footer, pages --- */

static void
draw_frame (Doc *d)
{
  JsonObject *loc = obj (d->m, "location");
  double lw = (d->right - d->left) * 0.45 - GAP;      /* location */
  double rx = d->left + lw + GAP, half = d->right - rx;  /* title, number, dates */
  double yl = MARGIN, yr = MARGIN;
  g_autoptr(GString) contact = g_string_new (NULL);
  const char *s;
  g_autofree char *page = NULL;
  g_autofree char *pages = NULL;
  g_autofree char *footer = NULL;
  g_auto(GStrv) parts = NULL;

  /* Location, left. */
  yl += text_at (d, d->left, yl, lw, PANGO_ALIGN_LEFT, STYLE_NAME, str (loc, "name"));
  if ((s = str (loc, "address")) != NULL && *s != '\0')
    yl += text_at (d, d->left, yl, lw, PANGO_ALIGN_LEFT, STYLE_SMALL, s);
  if ((s = str (loc, "phone")) != NULL && *s != '\0')
    g_string_append_printf (contact, "%s: %s", T (d, N_("Phone")), s);
  if ((s = str (loc, "email")) != NULL && *s != '\0')
    g_string_append_printf (contact, "%s%s", contact->len ? "  ·  " : "", s);
  if (contact->len > 0)
    yl += text_at (d, d->left, yl, lw, PANGO_ALIGN_LEFT, STYLE_SMALL, contact->str);
  if ((s = str (loc, "tax_id")) != NULL && *s != '\0')
    yl += text_at (d, d->left, yl, lw, PANGO_ALIGN_LEFT, STYLE_SMALL,
                   keep (d, g_strdup_printf ("%s: %s", T (d, N_("Tax ID")), s)));

  /* Title, number and dates, right. */
  yr += text_at (d, rx, yr, half, PANGO_ALIGN_RIGHT, STYLE_TITLE, document_title (d));
  if ((s = str (d->m, "status")) != NULL && g_str_equal (s, "void"))
    yr += text_at (d, rx, yr, half, PANGO_ALIGN_RIGHT, STYLE_HEADING, T (d, N_("VOID")));
  if ((s = str (d->m, "number")) != NULL)
    yr += text_at (d, rx, yr, half, PANGO_ALIGN_RIGHT, STYLE_BOLD,
                   keep (d, g_strdup_printf ("%s %s", T (d, N_("No.")), s)));
  {
    static const struct { const char *member; const char *label; } dates[] = {
      { "issued_on", N_("Date") },
      { "valid_until", N_("Valid until") },
      { "due_on", N_("Due date") },
    };
    for (guint i = 0; i < G_N_ELEMENTS (dates); i++)
      if ((s = str (d->m, dates[i].member)) != NULL)
        yr += text_at (d, rx, yr, half, PANGO_ALIGN_RIGHT, STYLE_BODY,
                       keep (d, g_strdup_printf ("%s: %s", T (d, dates[i].label), date (d, s))));
  }
  if ((s = str (d->m, "work_order_number")) != NULL)
    yr += text_at (d, rx, yr, half, PANGO_ALIGN_RIGHT, STYLE_BODY,
                   keep (d, g_strdup_printf ("%s: %s", T (d, N_("Work order")), s)));
  if ((s = str (d->m, "credit_for_number")) != NULL)
    yr += text_at (d, rx, yr, half, PANGO_ALIGN_RIGHT, STYLE_BODY,
                   keep (d, g_strdup_printf ("%s: %s", T (d, N_("Credit for invoice")), s)));

  d->top = MAX (yl, yr) + 6;
  rule (d, d->top, 1.0);
  d->top += GAP;
  d->y = d->top;

  /* Footer: the document, and "Page 1 of 2" once the total is known. */
  rule (d, d->bottom + 6, 0.5);
  footer = g_strdup_printf ("%s · %s", str (loc, "name") ? str (loc, "name") : "",
                            str (d->m, "number") ? str (d->m, "number") : document_title (d));
  text_at (d, d->left, d->bottom + 10, 0, PANGO_ALIGN_LEFT, STYLE_SMALL, footer);
  page = g_strdup_printf ("%u", d->page + 1);
  pages = g_strdup_printf ("%u", d->total);
  /* Translators: keep {page} and {pages}: "Page 1 of 2". */
  parts = g_strsplit (T (d, N_("Page {page} of {pages}")), "{page}", 2);
  {
    g_autofree char *joined = g_strjoinv (page, parts);
    g_auto(GStrv) again = g_strsplit (joined, "{pages}", 2);
    g_autofree char *label = g_strjoinv (pages, again);

    if (d->total > 0)
      text_at (d, d->left, d->bottom + 10, d->right - d->left, PANGO_ALIGN_RIGHT, STYLE_SMALL,
               label);
  }
}

static void
new_page (Doc *d)
{
  if (d->pdf && visible (d))
    cairo_show_page (d->cr);
  d->page++;
  draw_frame (d);
  if (d->repeat != NULL)
    d->repeat (d);
}

/* Makes room for height on the page (a new page if it does not fit and the
 * page already holds something). */
static void
ensure (Doc   *d,
        double height)
{
  if (d->y + height > d->bottom && d->y > d->top + 1)
    new_page (d);
}

/* --------------------------------------------------------------- tables --- */

static double
row_height (Doc        *d,
            const Cell *cells,
            guint       n)
{
  double h = 0;

  for (guint i = 0; i < n; i++)
    h = MAX (h, prepare (d, cells[i].text, cells[i].width - 2 * CELL_PAD, cells[i].align,
                         cells[i].style));
  return h + 2 * CELL_PAD;
}

static void
row (Doc        *d,
     const Cell *cells,
     guint       n,
     gboolean    shaded)
{
  double h = row_height (d, cells, n);
  double x = d->left;

  ensure (d, h);
  if (shaded && visible (d))
    {
      cairo_save (d->cr);
      cairo_set_source_rgb (d->cr, 0.92, 0.93, 0.95);
      cairo_rectangle (d->cr, d->left, d->y, d->right - d->left, h);
      cairo_fill (d->cr);
      cairo_restore (d->cr);
    }
  for (guint i = 0; i < n; i++)
    {
      text_at (d, x + CELL_PAD, d->y + CELL_PAD, cells[i].width - 2 * CELL_PAD, cells[i].align,
               cells[i].style, cells[i].text);
      x += cells[i].width;
    }
  d->y += h;
}

/* label: value pairs in two columns. */
static double
pairs_at (Doc               *d,
          double             x,
          double             y,
          double             width,
          const char *const *pairs)
{
  double y0 = y, lw = width * 0.38;

  for (guint i = 0; pairs[i] != NULL; i += 2)
    {
      double h1, h2;

      if (pairs[i + 1] == NULL || *pairs[i + 1] == '\0')
        continue;
      h1 = text_at (d, x, y, lw - 4, PANGO_ALIGN_LEFT, STYLE_SMALL, pairs[i]);
      h2 = text_at (d, x + lw, y, width - lw, PANGO_ALIGN_LEFT, STYLE_BODY, pairs[i + 1]);
      y += MAX (h1, h2) + 1;
    }
  return y - y0;
}

/* --------------------------------------------------- customer, vehicle --- */

static void
parties_draw (Doc *d)
{
  JsonObject *c = obj (d->m, "customer");
  JsonObject *v = obj (d->m, "vehicle");
  double half = (d->right - d->left) / 2 - GAP / 2;
  double yl = d->y, yr = d->y;
  g_autoptr(GString) model = g_string_new (NULL);
  const char *odo = NULL;

  if (c != NULL)
    {
      const char *pairs[] = {
        T (d, N_("Address")), str (c, "address"),
        T (d, N_("Phone")), str (c, "phone"),
        T (d, N_("E-mail")), str (c, "email"),
        T (d, N_("Tax ID")), str (c, "tax_id"),
        NULL,
      };
      yl += text_at (d, d->left, yl, half, PANGO_ALIGN_LEFT, STYLE_HEADING, T (d, N_("Customer")));
      yl += text_at (d, d->left, yl, half, PANGO_ALIGN_LEFT, STYLE_BOLD, str (c, "name"));
      yl += pairs_at (d, d->left, yl, half, pairs);
    }
  if (v != NULL)
    {
      const char *year = has_value (v, "year")
                         ? keep (d, g_strdup_printf ("%" G_GINT64_FORMAT, int_of (v, "year", 0)))
                         : NULL;
      g_string_append_printf (model, "%s %s", str (v, "make") ? str (v, "make") : "",
                              str (v, "model") ? str (v, "model") : "");
      g_strstrip (model->str);
      if (has_value (v, "odometer_km"))
        odo = keep (d, g_strdup_printf ("%s km", keep (d, vb_format_integer (int_of (v, "odometer_km", 0),
                                                                             d->lang))));
      {
        const char *pairs[] = {
          T (d, N_("VIN")), str (v, "vin"),
          T (d, N_("Plate")), str (v, "plate"),
          T (d, N_("Make / model")), model->str,
          T (d, N_("Year")), year,
          T (d, N_("Odometer")), odo,
          NULL,
        };
        double x = d->left + half + GAP;

        yr += text_at (d, x, yr, half, PANGO_ALIGN_LEFT, STYLE_HEADING, T (d, N_("Vehicle")));
        yr += pairs_at (d, x, yr, half, pairs);
      }
    }
  d->y = MAX (yl, yr) + GAP;
}

static double
measure_parties (Doc *d)
{
  gint target = d->target;
  double y = d->y, h;

  d->target = DRAW_NONE;
  parties_draw (d);
  h = d->y - y;
  d->y = y;
  d->target = target;
  return h;
}

static void
parties (Doc *d)
{
  ensure (d, measure_parties (d));
  parties_draw (d);
}

/* ------------------------------------------------------ invoice lines --- */

typedef struct
{
  double desc, qty, price, tax, amount;
} Columns;

static Columns
line_columns (Doc *d)
{
  Columns c = { 0, 44, 92, 52, 100 };

  c.desc = d->right - d->left - c.qty - c.price - c.tax - c.amount;
  return c;
}

static void
lines_header (Doc *d)
{
  Columns c = line_columns (d);
  Cell cells[] = {
    { T (d, N_("Description")), c.desc, PANGO_ALIGN_LEFT, STYLE_BOLD },
    { T (d, N_("Qty")), c.qty, PANGO_ALIGN_RIGHT, STYLE_BOLD },
    { T (d, N_("Unit price")), c.price, PANGO_ALIGN_RIGHT, STYLE_BOLD },
    { T (d, N_("Tax")), c.tax, PANGO_ALIGN_RIGHT, STYLE_BOLD },
    { T (d, N_("Amount")), c.amount, PANGO_ALIGN_RIGHT, STYLE_BOLD },
  };

  row (d, cells, G_N_ELEMENTS (cells), TRUE);
}

typedef struct
{
  char  *name;
  gint64 bp;
  gint64 base;
  gint64 tax;
} TaxRate;

static void
tax_rate_free (gpointer p)
{
  TaxRate *r = p;

  g_free (r->name);
  g_free (r);
}

static const char *
rate_text (Doc        *d,
           const char *name,
           gint64      bp)
{
  g_autofree char *pct = g_strdup_printf ("%" G_GINT64_FORMAT ".%02" G_GINT64_FORMAT,
                                          bp / 100, bp % 100);
  g_autofree char *trimmed = NULL;
  char *e;

  /* 1000 bp → "10", 850 → "8.5" */
  for (e = pct + strlen (pct) - 1; *e == '0'; e--)
    *e = '\0';
  if (*e == '.')
    *e = '\0';
  trimmed = vb_format_decimal (pct, d->lang);
  if (name == NULL || *name == '\0')
    return keep (d, g_strdup_printf ("%s%%", trimmed));
  return keep (d, g_strdup_printf ("%s %s%%", name, trimmed));
}

/* The lines; adds up subtotal/tax into *net and *tax and the rates. */
static void
lines (Doc       *d,
       GPtrArray *rates,
       gint64    *net,
       gint64    *tax)
{
  JsonArray *a = arr (d->m, "lines");
  Columns c = line_columns (d);

  d->repeat = lines_header;
  ensure (d, 40);
  lines_header (d);
  for (guint i = 0; a != NULL && i < json_array_get_length (a); i++)
    {
      JsonObject *l = json_array_get_object_element (a, i);
      gint64 amount = int_of (l, "amount", 0);
      gint64 bp = int_of (l, "tax_bp", 0);
      gint64 line_tax = has_value (l, "tax_amount") ? int_of (l, "tax_amount", 0)
                        : (amount * bp + (amount >= 0 ? 5000 : -5000)) / 10000;
      const char *tax_name = str (l, "tax_name");
      TaxRate *rate = NULL;
      const char *qty = decimal (d, l, "quantity");
      Cell cells[] = {
        { str (l, "description"), c.desc, PANGO_ALIGN_LEFT, STYLE_BODY },
        { qty, c.qty, PANGO_ALIGN_RIGHT, STYLE_BODY },
        { has_value (l, "unit_price") ? money (d, int_of (l, "unit_price", 0)) : "",
          c.price, PANGO_ALIGN_RIGHT, STYLE_BODY },
        { has_value (l, "tax_bp") ? rate_text (d, NULL, bp) : "", c.tax, PANGO_ALIGN_RIGHT,
          STYLE_BODY },
        { money (d, amount), c.amount, PANGO_ALIGN_RIGHT, STYLE_BODY },
      };

      row (d, cells, G_N_ELEMENTS (cells), FALSE);
      *net += amount;
      *tax += line_tax;
      for (guint r = 0; r < rates->len; r++)
        {
          TaxRate *t = g_ptr_array_index (rates, r);
          if (t->bp == bp && g_strcmp0 (t->name, tax_name) == 0)
            rate = t;
        }
      if (rate == NULL)
        {
          rate = g_new0 (TaxRate, 1);
          rate->name = g_strdup (tax_name);
          rate->bp = bp;
          g_ptr_array_add (rates, rate);
        }
      rate->base += amount;
      rate->tax += line_tax;
    }
  d->repeat = NULL;
  rule (d, d->y, 0.5);
  d->y += GAP;
}

/* Tax summary (left) and totals (right), kept together. */
static void
totals (Doc       *d,
        GPtrArray *rates,
        gint64     net,
        gint64     tax)
{
  JsonObject *t = obj (d->m, "totals");
  double half = (d->right - d->left) / 2 - GAP / 2;
  gint64 subtotal = int_of (t, "subtotal", net);
  gint64 tax_total = int_of (t, "tax", tax);
  gint64 total = int_of (t, "total", subtotal + tax_total);
  gboolean billed = g_strcmp0 (d->kind, "quote") != 0;
  gint64 paid = int_of (t, "paid", 0);
  gint64 due = int_of (t, "due", total - paid);
  double needed = (MAX (rates->len + 2, 5)) * 16.0;
  double yl, yr, x = d->left + half + GAP;
  struct { const char *label; gint64 value; Style style; gboolean show; } rows[] = {
    { T (d, N_("Subtotal")), subtotal, STYLE_BODY, TRUE },
    { T (d, N_("Tax")), tax_total, STYLE_BODY, TRUE },
    { T (d, N_("Total")), total, STYLE_HEADING, TRUE },
    { T (d, N_("Paid")), paid, STYLE_BODY, billed },
    { T (d, N_("Amount due")), due, STYLE_HEADING, billed },
  };

  ensure (d, needed);
  yl = yr = d->y;
  if (rates->len > 0)
    {
      double cw = half / 3;

      yl += text_at (d, d->left, yl, half, PANGO_ALIGN_LEFT, STYLE_HEADING, T (d, N_("Tax summary")));
      text_at (d, d->left, yl, cw, PANGO_ALIGN_LEFT, STYLE_SMALL, T (d, N_("Rate")));
      text_at (d, d->left + cw, yl, cw, PANGO_ALIGN_RIGHT, STYLE_SMALL, T (d, N_("Taxable amount")));
      yl += text_at (d, d->left + 2 * cw, yl, cw, PANGO_ALIGN_RIGHT, STYLE_SMALL, T (d, N_("Tax")));
      for (guint i = 0; i < rates->len; i++)
        {
          TaxRate *r = g_ptr_array_index (rates, i);

          text_at (d, d->left, yl, cw, PANGO_ALIGN_LEFT, STYLE_BODY, rate_text (d, r->name, r->bp));
          text_at (d, d->left + cw, yl, cw, PANGO_ALIGN_RIGHT, STYLE_BODY, money (d, r->base));
          yl += text_at (d, d->left + 2 * cw, yl, cw, PANGO_ALIGN_RIGHT, STYLE_BODY,
                         money (d, r->tax));
        }
    }
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      if (!rows[i].show)
        continue;
      text_at (d, x, yr, half * 0.5, PANGO_ALIGN_LEFT, rows[i].style, rows[i].label);
      yr += text_at (d, x + half * 0.5, yr, half * 0.5, PANGO_ALIGN_RIGHT, rows[i].style,
                     money (d, rows[i].value));
      if (i == 1)
        {
          /* only under the totals: the tax summary sits beside them */
          rule_between (d, x, d->right, yr + 2, 0.5);
          yr += 4;
        }
    }
  d->y = MAX (yl, yr) + GAP;
}

static const char *
method_label (Doc        *d,
              const char *method)
{
  if (g_strcmp0 (method, "cash") == 0)
    return T (d, N_("Cash"));
  if (g_strcmp0 (method, "card") == 0)
    return T (d, N_("Card"));
  if (g_strcmp0 (method, "e_wallet") == 0)
    return T (d, N_("E-wallet"));
  if (g_strcmp0 (method, "bank_transfer") == 0)
    return T (d, N_("Bank transfer"));
  if (g_strcmp0 (method, "refund") == 0)
    return T (d, N_("Refund"));
  return method != NULL ? method : "";
}

static void
payments (Doc *d)
{
  JsonArray *a = arr (d->m, "payments");
  double w = d->right - d->left;

  if (a == NULL || json_array_get_length (a) == 0)
    return;
  ensure (d, 50);
  d->y += text_at (d, d->left, d->y, w, PANGO_ALIGN_LEFT, STYLE_HEADING, T (d, N_("Payments")));
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonObject *p = json_array_get_object_element (a, i);
      Cell cells[] = {
        { date (d, str (p, "date")), w * 0.2, PANGO_ALIGN_LEFT, STYLE_BODY },
        { method_label (d, str (p, "method")), w * 0.25, PANGO_ALIGN_LEFT, STYLE_BODY },
        { str (p, "reference"), w * 0.35, PANGO_ALIGN_LEFT, STYLE_SMALL },
        { money (d, int_of (p, "amount", 0)), w * 0.2, PANGO_ALIGN_RIGHT, STYLE_BODY },
      };
      row (d, cells, G_N_ELEMENTS (cells), FALSE);
    }
  d->y += GAP;
}

static void
draw_qr (Doc        *d,
         double      x,
         double      y,
         const char *payload)
{
  QRcode *qr;
  double module;

  if (!visible (d))
    return;
  qr = QRcode_encodeString (payload, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
  if (qr == NULL)
    return;
  module = QR_SIZE / qr->width;
  cairo_save (d->cr);
  cairo_set_source_rgb (d->cr, 0, 0, 0);
  for (int r = 0; r < qr->width; r++)
    for (int c = 0; c < qr->width; c++)
      if (qr->data[r * qr->width + c] & 1)
        cairo_rectangle (d->cr, x + c * module, y + r * module, module, module);
  cairo_fill (d->cr);
  cairo_restore (d->cr);
  QRcode_free (qr);
}

/* The payment QR (if any) beside the terms. */
static void
qr_and_terms (Doc *d)
{
  const char *payload = str (d->m, "payment_qr");
  const char *terms = str (d->m, "terms");
  double tx = d->left, th = 0;
  gboolean qr = payload != NULL && *payload != '\0';

  if (qr)
    tx += QR_SIZE + GAP * 2;
  if (terms != NULL && *terms != '\0')
    th = prepare (d, terms, d->right - tx, PANGO_ALIGN_LEFT, STYLE_SMALL) + 16;
  if (!qr && th == 0)
    return;
  ensure (d, MAX (qr ? QR_SIZE + 16 : 0, th));
  if (qr)
    {
      draw_qr (d, d->left, d->y, payload);
      text_at (d, d->left, d->y + QR_SIZE + 2, QR_SIZE, PANGO_ALIGN_CENTER, STYLE_SMALL,
               T (d, N_("Scan to pay")));
    }
  if (th > 0)
    {
      double y = d->y;
      y += text_at (d, tx, y, d->right - tx, PANGO_ALIGN_LEFT, STYLE_HEADING, T (d, N_("Terms")));
      text_at (d, tx, y, d->right - tx, PANGO_ALIGN_LEFT, STYLE_SMALL, terms);
    }
  d->y += MAX (qr ? QR_SIZE + 16 : 0, th) + GAP;
}

static void
billing_document (Doc *d)
{
  g_autoptr(GPtrArray) rates = g_ptr_array_new_with_free_func (tax_rate_free);
  gint64 net = 0, tax = 0;

  parties (d);
  lines (d, rates, &net, &tax);
  totals (d, rates, net, tax);
  payments (d);
  qr_and_terms (d);
}

/* ------------------------------------------------------------- history --- */

typedef struct
{
  double date, number, odo, services, labor, amount;
} VisitColumns;

static VisitColumns
visit_columns (Doc *d)
{
  VisitColumns c = { 70, 100, 62, 0, 60, 95 };

  c.services = d->right - d->left - c.date - c.number - c.odo - c.labor - c.amount;
  return c;
}

static void
visits_header (Doc *d)
{
  VisitColumns c = visit_columns (d);
  Cell cells[] = {
    { T (d, N_("Date")), c.date, PANGO_ALIGN_LEFT, STYLE_BOLD },
    { T (d, N_("Work order")), c.number, PANGO_ALIGN_LEFT, STYLE_BOLD },
    { T (d, N_("Odometer")), c.odo, PANGO_ALIGN_RIGHT, STYLE_BOLD },
    { T (d, N_("Services")), c.services, PANGO_ALIGN_LEFT, STYLE_BOLD },
    { T (d, N_("Labor (h)")), c.labor, PANGO_ALIGN_RIGHT, STYLE_BOLD },
    { T (d, N_("Amount")), c.amount, PANGO_ALIGN_RIGHT, STYLE_BOLD },
  };

  row (d, cells, G_N_ELEMENTS (cells), TRUE);
}

static void
vehicle_history (Doc *d)
{
  JsonArray *a = arr (d->m, "visits");
  VisitColumns c = visit_columns (d);
  JsonObject *t = obj (d->m, "totals");
  guint n = a != NULL ? json_array_get_length (a) : 0;
  double w = d->right - d->left;

  parties (d);
  d->repeat = visits_header;
  ensure (d, 40);
  visits_header (d);
  for (guint i = 0; i < n; i++)
    {
      JsonObject *v = json_array_get_object_element (a, i);
      JsonArray *services = arr (v, "services");
      g_autoptr(GString) list = g_string_new (NULL);
      gint64 tenths = int_of (v, "labor_tenths", 0);
      const char *labor = keep (d, vb_format_decimal (keep (d, g_strdup_printf (
                                  "%" G_GINT64_FORMAT ".%" G_GINT64_FORMAT,
                                  tenths / 10, tenths % 10)), d->lang));

      for (guint s = 0; services != NULL && s < json_array_get_length (services); s++)
        g_string_append_printf (list, "%s%s", s ? "\n" : "",
                                json_array_get_string_element (services, s));
      if (str (v, "location") != NULL)
        g_string_append_printf (list, "%s(%s)", list->len ? "\n" : "", str (v, "location"));
      {
        Cell cells[] = {
          { date (d, str (v, "date")), c.date, PANGO_ALIGN_LEFT, STYLE_BODY },
          { str (v, "number"), c.number, PANGO_ALIGN_LEFT, STYLE_BODY },
          { has_value (v, "odometer_km")
              ? keep (d, vb_format_integer (int_of (v, "odometer_km", 0), d->lang)) : "",
            c.odo, PANGO_ALIGN_RIGHT, STYLE_BODY },
          { keep (d, g_strdup (list->str)), c.services, PANGO_ALIGN_LEFT, STYLE_BODY },
          { labor, c.labor, PANGO_ALIGN_RIGHT, STYLE_BODY },
          { has_value (v, "amount") ? money (d, int_of (v, "amount", 0)) : "",
            c.amount, PANGO_ALIGN_RIGHT, STYLE_BODY },
        };
        row (d, cells, G_N_ELEMENTS (cells), i % 2 == 1);
      }
    }
  if (n == 0)
    d->y += text_at (d, d->left, d->y + 4, w, PANGO_ALIGN_LEFT, STYLE_BODY,
                     T (d, N_("No visits recorded."))) + 8;
  d->repeat = NULL;
  rule (d, d->y, 0.5);
  d->y += GAP;
  ensure (d, 40);
  {
    const char *pairs[] = {
      T (d, N_("Visits")), keep (d, vb_format_integer (int_of (t, "visits", n), d->lang)),
      T (d, N_("Total invoiced")), has_value (t, "amount") ? money (d, int_of (t, "amount", 0)) : NULL,
      NULL,
    };
    d->y += pairs_at (d, d->left + w / 2, d->y, w / 2, pairs) + GAP;
  }
  qr_and_terms (d);
}

/* ------------------------------------------------- battery certificate --- */

static void
soh_chart (Doc       *d,
           JsonArray *trend)
{
  guint n = trend != NULL ? json_array_get_length (trend) : 0;
  double w = d->right - d->left, h = 162, lo = 100, hi = 100;
  double x0, y0, pw, ph;

  if (n == 0)
    return;
  ensure (d, h + 40);
  d->y += text_at (d, d->left, d->y, w, PANGO_ALIGN_LEFT, STYLE_HEADING,
                   T (d, N_("State of health over visits")));
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *s = decimal_text (json_array_get_object_element (trend, i), "soh_percent");
      double v = s != NULL ? g_ascii_strtod (s, NULL) : 100;
      lo = MIN (lo, v);
    }
  lo = lo - 5 <= 0 ? 0 : 10 * (double) (gint64) ((lo - 5) / 10);
  x0 = d->left + 36;
  y0 = d->y + 18;
  pw = w - 46;
  ph = h - 30;
  if (visible (d))
    {
      cairo_save (d->cr);
      cairo_set_line_width (d->cr, 0.4);
      cairo_set_source_rgb (d->cr, 0.7, 0.7, 0.7);
      for (double g = lo; g <= hi + 0.01; g += 10)
        {
          double gy = y0 + ph - (g - lo) / (hi - lo) * ph;
          cairo_move_to (d->cr, x0, gy);
          cairo_line_to (d->cr, x0 + pw, gy);
        }
      cairo_stroke (d->cr);
      cairo_restore (d->cr);
    }
  for (double g = lo; g <= hi + 0.01; g += 10)
    text_at (d, d->left, y0 + ph - (g - lo) / (hi - lo) * ph - 6, 30, PANGO_ALIGN_RIGHT,
             STYLE_SMALL, keep (d, g_strdup_printf ("%.0f%%", g)));
  if (visible (d))
    {
      cairo_save (d->cr);
      cairo_set_source_rgb (d->cr, 0.1, 0.45, 0.3);
      cairo_set_line_width (d->cr, 1.5);
    }
  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; i < n; i++)
      {
        JsonObject *p = json_array_get_object_element (trend, i);
        g_autofree char *s = decimal_text (p, "soh_percent");
        double v = s != NULL ? g_ascii_strtod (s, NULL) : lo;
        double px = x0 + 24 + (n == 1 ? (pw - 48) / 2 : (pw - 48) * i / (n - 1));
        double py = y0 + ph - (v - lo) / (hi - lo) * ph;

        if (!visible (d))
          break;
        if (pass == 0)
          {
            if (i == 0)
              cairo_move_to (d->cr, px, py);
            else
              cairo_line_to (d->cr, px, py);
            if (i == n - 1)
              cairo_stroke (d->cr);
          }
        else
          {
            cairo_arc (d->cr, px, py, 2.5, 0, 2 * G_PI);
            cairo_fill (d->cr);
          }
      }
  if (visible (d))
    cairo_restore (d->cr);
  /* Labels: the value above each point, the date below the axis (thinned). */
  for (guint i = 0; i < n; i++)
    {
      JsonObject *p = json_array_get_object_element (trend, i);
      g_autofree char *s = decimal_text (p, "soh_percent");
      double v = s != NULL ? g_ascii_strtod (s, NULL) : lo;
      double px = x0 + 24 + (n == 1 ? (pw - 48) / 2 : (pw - 48) * i / (n - 1));
      double py = y0 + ph - (v - lo) / (hi - lo) * ph;
      guint step = MAX (1, n / 8);

      if (i % step != 0 && i != n - 1)
        continue;
      text_at (d, px - 30, py - 14, 60, PANGO_ALIGN_CENTER, STYLE_SMALL,
               keep (d, g_strdup_printf ("%s%%", decimal (d, p, "soh_percent"))));
      text_at (d, px - 35, y0 + ph + 4, 70, PANGO_ALIGN_CENTER, STYLE_SMALL,
               date (d, str (p, "date")));
    }
  d->y += h + GAP;
}

static void
trend_header (Doc *d)
{
  double w = (d->right - d->left) / 3;
  Cell cells[] = {
    { T (d, N_("Date")), w, PANGO_ALIGN_LEFT, STYLE_BOLD },
    { T (d, N_("Odometer")), w, PANGO_ALIGN_RIGHT, STYLE_BOLD },
    { T (d, N_("State of health")), w, PANGO_ALIGN_RIGHT, STYLE_BOLD },
  };

  row (d, cells, G_N_ELEMENTS (cells), TRUE);
}

static void
battery_certificate (Doc *d)
{
  JsonObject *b = obj (d->m, "battery");
  JsonObject *iso = obj (b, "isolation");
  JsonArray *codes = arr (b, "fault_codes");
  JsonArray *trend = arr (b, "trend");
  double w = d->right - d->left;
  g_autoptr(GString) faults = g_string_new (NULL);
  const char *soh = decimal (d, b, "soh_percent");
  const char *usable = decimal (d, b, "usable_kwh");
  const char *gross = decimal (d, b, "gross_kwh");
  const char *isolation = NULL;

  parties (d);
  for (guint i = 0; codes != NULL && i < json_array_get_length (codes); i++)
    g_string_append_printf (faults, "%s%s", i ? ", " : "", json_array_get_string_element (codes, i));
  if (iso != NULL)
    {
      const char *kohm = decimal (d, iso, "resistance_kohm");
      const char *volts = decimal (d, iso, "test_voltage");
      const char *verdict = !has_value (iso, "passed") ? NULL
                            : json_object_get_boolean_member (iso, "passed") ? T (d, N_("Pass"))
                            : T (d, N_("Fail"));
      g_autoptr(GString) s = g_string_new (NULL);

      if (kohm != NULL)
        g_string_append_printf (s, "%s kΩ", kohm);
      if (volts != NULL)
        g_string_append_printf (s, " @ %s V", volts);
      if (verdict != NULL)
        g_string_append_printf (s, " — %s", verdict);
      if (str (iso, "date") != NULL)
        g_string_append_printf (s, " (%s)", date (d, str (iso, "date")));
      isolation = keep (d, g_string_free (g_steal_pointer (&s), FALSE));
    }
  {
    const char *pairs[] = {
      T (d, N_("State of health")), soh != NULL ? keep (d, g_strdup_printf ("%s%%", soh)) : NULL,
      T (d, N_("Usable capacity")), usable != NULL ? keep (d, g_strdup_printf ("%s kWh", usable)) : NULL,
      T (d, N_("Gross capacity")), gross != NULL ? keep (d, g_strdup_printf ("%s kWh", gross)) : NULL,
      T (d, N_("Chemistry")), str (b, "chemistry"),
      T (d, N_("Insulation resistance")), isolation != NULL ? isolation : T (d, N_("Not measured")),
      T (d, N_("Fault codes")), faults->len > 0 ? faults->str : T (d, N_("None")),
      T (d, N_("Tested on")), date (d, str (b, "tested_on")),
      T (d, N_("Method")), str (b, "method"),
      NULL,
    };
    ensure (d, 130);
    d->y += text_at (d, d->left, d->y, w, PANGO_ALIGN_LEFT, STYLE_HEADING,
                     T (d, N_("Battery test result")));
    d->y += pairs_at (d, d->left, d->y, w * 0.75, pairs) + GAP;
  }
  soh_chart (d, trend);
  if (trend != NULL && json_array_get_length (trend) > 0)
    {
      double cw = w / 3;

      d->repeat = trend_header;
      ensure (d, 40);
      trend_header (d);
      for (guint i = 0; i < json_array_get_length (trend); i++)
        {
          JsonObject *p = json_array_get_object_element (trend, i);
          Cell cells[] = {
            { date (d, str (p, "date")), cw, PANGO_ALIGN_LEFT, STYLE_BODY },
            { has_value (p, "odometer_km")
                ? keep (d, g_strdup_printf ("%s km", keep (d, vb_format_integer (
                          int_of (p, "odometer_km", 0), d->lang))))
                : "",
              cw, PANGO_ALIGN_RIGHT, STYLE_BODY },
            { keep (d, g_strdup_printf ("%s%%", decimal (d, p, "soh_percent"))), cw,
              PANGO_ALIGN_RIGHT, STYLE_BODY },
          };
          row (d, cells, G_N_ELEMENTS (cells), FALSE);
        }
      d->repeat = NULL;
      d->y += GAP;
    }
  qr_and_terms (d);
}

/* ---------------------------------------------------------- the walk --- */

static void
font_options (cairo_t *cr)
{
  cairo_font_options_t *fo = cairo_font_options_create ();

  cairo_font_options_set_hint_metrics (fo, CAIRO_HINT_METRICS_OFF);
  cairo_font_options_set_hint_style (fo, CAIRO_HINT_STYLE_NONE);
  cairo_set_font_options (cr, fo);
  cairo_font_options_destroy (fo);
}

/* Lays the document out on cr; draws target (DRAW_ALL, DRAW_NONE or a
 * page); returns the number of pages. */
static guint
walk (JsonObject *model,
      cairo_t    *cr,
      double      width,
      double      height,
      gint        target,
      guint       total,
      gboolean    pdf)
{
  static const char *const faces[] = {
    "Sans 9", "Sans 7.5", "Sans Bold 9", "Sans Bold 10.5", "Sans Bold 15", "Sans Bold 13",
  };
  Doc d = { 0 };
  const char *lang = str (model, "language");
  PangoContext *pc;
  cairo_font_options_t *fo;

  d.m = model;
  d.kind = str (model, "kind");
  d.lang = lang != NULL ? lang : "en";
  d.currency = str (model, "currency");
  d.cr = cr;
  d.w = width;
  d.h = height;
  d.left = MARGIN;
  d.right = width - MARGIN;
  d.bottom = height - MARGIN - FOOTER;
  d.total = total;
  d.target = target;
  d.pdf = pdf;
  d.strings = g_ptr_array_new_with_free_func (g_free);

  cairo_save (cr);
  font_options (cr);
  d.pl = pango_cairo_create_layout (cr);
  pc = pango_layout_get_context (d.pl);
  fo = cairo_font_options_create ();
  cairo_font_options_set_hint_metrics (fo, CAIRO_HINT_METRICS_OFF);
  cairo_font_options_set_hint_style (fo, CAIRO_HINT_STYLE_NONE);
  pango_cairo_context_set_font_options (pc, fo);
  cairo_font_options_destroy (fo);
  pango_cairo_context_set_resolution (pc, 72);
  pango_context_set_round_glyph_positions (pc, FALSE);
  pango_layout_context_changed (d.pl);
  pango_layout_set_wrap (d.pl, PANGO_WRAP_WORD_CHAR);
  for (guint i = 0; i < G_N_ELEMENTS (faces); i++)
    d.fonts[i] = pango_font_description_from_string (faces[i]);
  cairo_set_source_rgb (cr, 0, 0, 0);

  draw_frame (&d);
  if (g_strcmp0 (d.kind, "vehicle_history") == 0)
    vehicle_history (&d);
  else if (g_strcmp0 (d.kind, "battery_certificate") == 0)
    battery_certificate (&d);
  else
    billing_document (&d);

  for (guint i = 0; i < G_N_ELEMENTS (faces); i++)
    pango_font_description_free (d.fonts[i]);
  g_object_unref (d.pl);
  g_ptr_array_unref (d.strings);
  cairo_restore (cr);
  return d.page + 1;
}

static guint
count_on_scratch (JsonObject *model,
                  double      width,
                  double      height)
{
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_A8, 1, 1);
  cairo_t *cr = cairo_create (s);
  guint n = walk (model, cr, width, height, DRAW_NONE, 0, FALSE);

  cairo_destroy (cr);
  cairo_surface_destroy (s);
  return n;
}

guint
vb_document_count_pages (JsonObject *model,
                         double      width,
                         double      height)
{
  g_return_val_if_fail (model != NULL, 0);
  return count_on_scratch (model, width, height);
}

void
vb_document_draw_page (JsonObject *model,
                       cairo_t    *cr,
                       double      width,
                       double      height,
                       guint       page)
{
  guint total;

  g_return_if_fail (model != NULL && cr != NULL);
  total = count_on_scratch (model, width, height);
  walk (model, cr, width, height, (gint) page, total, FALSE);
}

static cairo_status_t
append_bytes (void                *closure,
              const unsigned char *data,
              unsigned int         length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

GBytes *
vb_document_render_pdf (JsonObject *model,
                        GError    **error)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  cairo_surface_t *surface;
  cairo_t *cr;
  cairo_status_t status;
  guint total;
  const char *kind;

  g_return_val_if_fail (model != NULL, NULL);
  kind = str (model, "kind");
  if (kind == NULL
      || !(g_str_equal (kind, "quote") || g_str_equal (kind, "invoice")
           || g_str_equal (kind, "credit_note") || g_str_equal (kind, "vehicle_history")
           || g_str_equal (kind, "battery_certificate")))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "Unknown document kind “%s”", kind != NULL ? kind : "(none)");
      return NULL;
    }

  total = count_on_scratch (model, VB_DOCUMENT_A4_WIDTH, VB_DOCUMENT_A4_HEIGHT);
  surface = cairo_pdf_surface_create_for_stream (append_bytes, out, VB_DOCUMENT_A4_WIDTH,
                                                 VB_DOCUMENT_A4_HEIGHT);
  {
    g_autofree char *title = g_strdup_printf ("%s", str (model, "number") ? str (model, "number")
                                                                          : kind);
    cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_TITLE, title);
    cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_CREATOR, "Voltbay");
  }
  cr = cairo_create (surface);
  walk (model, cr, VB_DOCUMENT_A4_WIDTH, VB_DOCUMENT_A4_HEIGHT, DRAW_ALL, total, TRUE);
  cairo_show_page (cr);
  status = cairo_status (cr);
  cairo_destroy (cr);
  cairo_surface_finish (surface);
  if (status == CAIRO_STATUS_SUCCESS)
    status = cairo_surface_status (surface);
  cairo_surface_destroy (surface);
  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Could not write the PDF: %s",
                   cairo_status_to_string (status));
      return NULL;
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}
