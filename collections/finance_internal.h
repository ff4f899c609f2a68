/*
 * Internal to collections' finance code (finance.c, gl.c).
 */
#ifndef COLLECTIONS_FINANCE_INTERNAL_H
#define COLLECTIONS_FINANCE_INTERNAL_H

/* SQL: the product an invoice line l (of invoice i) is revenue of: its
 * service's product as of the line's first day (an NRC line: the invoice
 * date), else the service's product, else OTHER for a line without a
 * service. */
#define COLLECTIONS_LINE_PRODUCT                                               \
    "coalesce((SELECT v.product_id FROM provisioning.service_version v"        \
    " WHERE v.account_id = l.account_id AND v.service_id = l.service_id"       \
    " AND v.effective_date <= coalesce(l.period_start, i.issue_date)"          \
    " ORDER BY v.effective_date DESC, v.version DESC LIMIT 1),"                \
    " (SELECT s.product_id FROM provisioning.service s"                        \
    " WHERE s.account_id = l.account_id AND s.service_id = l.service_id),"     \
    " 'OTHER')"

#endif
