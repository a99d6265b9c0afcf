"""Infrastructure that knows no feature: the outbox transport, the inbox, middlewares, i18n, callbacks, the PDF kit, scale-out."""
