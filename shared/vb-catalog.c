/* vb-catalog.c — translations of a given language from our gettext catalog.
 *
 * Reads the GNU .mo file that meson's i18n module compiles from po/<lang>.po
 * (little- or big-endian, as the magic number says) into a hash table once
 * per language, under a lock, and then answers lookups without one more
 * file access.  Plural forms and contexts are not needed by the documents
 * and are not read.  Rejected: setlocale/uselocale per thread — uselocale
 * needs the locale to be generated on the machine, which vi_VN often is not. */
#include "vb-catalog.h"

#include <string.h>

#ifndef LOCALEDIR
#define LOCALEDIR "/usr/local/share/locale"
#endif

G_LOCK_DEFINE_STATIC (catalogs);
static GHashTable *catalogs;      /* language → GHashTable msgid → msgstr (NULL: none) */
static char       *localedir;

static guint32
read_u32 (const guint8 *data,
          gsize         offset,
          gboolean      swap)
{
  guint32 v;

  memcpy (&v, data + offset, 4);
  return swap ? GUINT32_SWAP_LE_BE (v) : v;
}

static GHashTable *
load_mo (const char *path)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  g_autoptr(GHashTable) table = NULL;
  guint32 magic, n, orig, trans;
  gboolean swap;

  if (!g_file_get_contents (path, &data, &len, NULL) || len < 28)
    return NULL;
  memcpy (&magic, data, 4);
  if (magic == 0x950412de)
    swap = FALSE;
  else if (magic == 0xde120495)
    swap = TRUE;
  else
    return NULL;
  n = read_u32 ((guint8 *) data, 8, swap);
  orig = read_u32 ((guint8 *) data, 12, swap);
  trans = read_u32 ((guint8 *) data, 16, swap);
  if (orig > len || trans > len || (gsize) n * 8 > len - MAX (orig, trans))
    return NULL;

  table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint32 i = 0; i < n; i++)
    {
      guint32 ol = read_u32 ((guint8 *) data, orig + i * 8, swap);
      guint32 oo = read_u32 ((guint8 *) data, orig + i * 8 + 4, swap);
      guint32 tl = read_u32 ((guint8 *) data, trans + i * 8, swap);
      guint32 to = read_u32 ((guint8 *) data, trans + i * 8 + 4, swap);

      if (oo > len || ol > len - oo || to > len || tl > len - to)
        return NULL;
      if (ol == 0 || tl == 0)   /* the header entry, or untranslated */
        continue;
      /* msgctxt\004msgid and plurals (msgid\0plural) keep their first part. */
      g_hash_table_replace (table, g_strndup (data + oo, ol), g_strndup (data + to, tl));
    }
  return g_steal_pointer (&table);
}

static void
table_free (gpointer table)
{
  if (table != NULL)
    g_hash_table_unref (table);
}

static GHashTable *
catalog_for (const char *language)
{
  GHashTable *table;
  g_autofree char *path = NULL;
  const char *dir;

  if (!g_hash_table_lookup_extended (catalogs, language, NULL, (gpointer *) &table))
    {
      dir = localedir;
      if (dir == NULL)
        dir = g_getenv ("VB_LOCALEDIR");
      if (dir == NULL || *dir == '\0')
        dir = LOCALEDIR;
      path = g_build_filename (dir, language, "LC_MESSAGES", GETTEXT_PACKAGE ".mo", NULL);
      table = load_mo (path);
      g_hash_table_insert (catalogs, g_strdup (language), table);
    }
  return table;
}

const char *
vb_catalog_gettext (const char *language,
                    const char *msgid)
{
  GHashTable *table;
  const char *found = NULL;

  g_return_val_if_fail (msgid != NULL, NULL);
  if (language == NULL || g_str_equal (language, "en") || *msgid == '\0')
    return msgid;

  G_LOCK (catalogs);
  if (catalogs == NULL)
    catalogs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                      table_free);
  table = catalog_for (language);
  if (table != NULL)
    found = g_hash_table_lookup (table, msgid);
  G_UNLOCK (catalogs);
  /* Tables are never freed while the process uses them (set_localedir is for
   * tests and start-up), so the string outlives the lock. */
  return found != NULL ? found : msgid;
}

void
vb_catalog_set_localedir (const char *dir)
{
  G_LOCK (catalogs);
  g_free (localedir);
  localedir = g_strdup (dir);
  g_clear_pointer (&catalogs, g_hash_table_unref);
  G_UNLOCK (catalogs);
}

gboolean
vb_catalog_is_supported (const char *language)
{
  return language != NULL && (g_str_equal (language, "en") || g_str_equal (language, "vi"));
}
