from django.urls import path

from tracker import board_pages, by_hand, force_accounts, views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("", views.dashboard, name="dashboard"),
    path("actions/", views.action_list, name="action-list"),
    path("actions/export.csv", views.action_export, name="action-export"),
    path("actions/export.xlsx", views.action_export_xlsx, name="action-export-xlsx"),
    path("actions/<int:pk>/", views.action_detail, name="action-detail"),
    # form_name is a key of tracker.forms.ACTION_FORMS: note, move, owner, due, blocked.
    path("actions/<int:pk>/<slug:form_name>/", views.action_update, name="action-update"),
    path("inspections/", views.inspection_list, name="inspection-list"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection-detail"),
    path(
        "inspections/<int:pk>/pcc-response/",
        views.inspection_pcc_response,
        name="inspection-pcc-response",
    ),
    path("inspections/add/", by_hand.report_add, name="inspection-add"),
    path("inspections/<int:pk>/add-area/", by_hand.question_add, name="question-add"),
    path("inspections/<int:pk>/add-finding/", by_hand.finding_add, name="finding-add"),
    path("inspections/import/", views.import_start, name="import-start"),
    path("inspections/import/spreadsheet/", views.import_spreadsheet, name="import-spreadsheet"),
    path(
        "inspections/import/spreadsheet/template/",
        views.import_spreadsheet_template,
        name="import-spreadsheet-template",
    ),
    path(
        "inspections/import/spreadsheet/<slug:token>/",
        views.import_spreadsheet_preview,
        name="import-spreadsheet-preview",
    ),
    path("inspections/import/<slug:token>/", views.import_preview, name="import-preview"),
    path("force/people/", force_accounts.people_list, name="people-list"),
    path("force/people/invite/", force_accounts.person_invite, name="person-invite"),
    path("force/people/<int:pk>/", force_accounts.person_detail, name="person-detail"),
    # change is a key of force_accounts.CHANGES: deactivate, reactivate, role, reset.
    path(
        "force/people/<int:pk>/<slug:change>/", force_accounts.person_update, name="person-update"
    ),
    path("board/", board_pages.board, name="board"),
    path("board.pdf", board_pages.board_pdf, name="board-pdf"),
    path("board.xlsx", board_pages.board_xlsx, name="board-xlsx"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence-download"),
]
