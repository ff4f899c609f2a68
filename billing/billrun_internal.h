/*
 * Inside the bill run: one invoice line before it is written.
 */
#ifndef BILLING_BILLRUN_INTERNAL_H
#define BILLING_BILLRUN_INTERNAL_H

#include <stdint.h>

#include "common/dates.h"
#include "common/money.h"

typedef struct billing_pending_line {
    int64_t service_id; /* 0: none */
    char code[40];      /* "": none */
    char charge_kind[12];
    char description[200];
    int has_period;
    tl_period period;
    int quantity;
    tl_money unit;
    tl_money amount;
    char price_source[12];
    int64_t credited_invoice_id; /* 0: none */
    int credited_line_no;
    int64_t equipment_charge_id; /* 0: none */
    int64_t manual_charge_id;    /* 0: none */
    int64_t agreement_id;        /* 0: none */
} billing_pending_line;

#endif
