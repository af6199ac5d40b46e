/* vb-work-order-presentation.h — what the work order page says, as pure
 * functions (no widgets): hours, task states, progress texts, chat times,
 * and the sums over cached time entries and checklist results, so the
 * rules are unit-tested without a display. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* 15 → "1.5 h" (tenths of an hour, one decimal, as the server's "hours"). */
char       *vb_work_order_dup_hours            (gint64       tenths);
/* "0.4 h of 0.5 h", "0.4 h of 0.5 h · clock running", "Not clocked yet ·
 * 0.5 h estimated", "0.4 h (no estimate)". */
char       *vb_work_order_dup_time_progress    (gint64       clocked_tenths,
                                                gint64       estimated_tenths,
                                                gboolean     running);
/* "3 of 5 steps done", or NULL when the task has no checklist. */
char       *vb_work_order_dup_steps_progress   (guint        done,
                                                guint        total);
/* A work order status's badge style class ("accent", "warning", "success",
 * "error", "dim-label"), as the lists use. */
const char *vb_work_order_status_get_style     (const char  *status);
/* A task's status ("pending" → "To do") and its badge style. */
const char *vb_work_order_task_status_get_label (const char *status);
const char *vb_work_order_task_status_get_style (const char *status);
/* A chat message's time: "08:30" on now_local's date, else "Tue 1 Dec
 * 08:30" (local time); NULL for a malformed time. */
char       *vb_work_order_dup_chat_time        (const char  *iso_time,
                                                GDateTime   *now_local);

/* Sums over a GListModel of VbRecord time_entries: the finished productive
 * entries of work_order_id (and of task_id, if not NULL), in tenths, and
 * whether one of them is still running. */
gint64      vb_work_order_sum_clocked          (GListModel  *time_entries,
                                                const char  *work_order_id,
                                                const char  *task_id,
                                                gboolean    *running);
/* How many distinct steps of the task's checklist have a result, over a
 * GListModel of VbRecord checklist_results. */
guint       vb_work_order_count_steps_done     (GListModel  *checklist_results,
                                                const char  *task_id);
/* How many steps service_type_id's checklist has, over a GListModel of
 * VbRecord service_type_steps. */
guint       vb_work_order_count_steps          (GListModel  *service_type_steps,
                                                const char  *service_type_id);
/* The photos of a work order, oldest first, without duplicates: the
 * attachment ids of its checklist results, triages' and quality checks'
 * photo_ids (GListModels of VbRecord; any may be NULL). Owned strv. */
GStrv       vb_work_order_dup_photo_ids        (GListModel  *checklist_results,
                                                GListModel  *triages,
                                                GListModel  *quality_checks,
                                                const char  *work_order_id);

G_END_DECLS
