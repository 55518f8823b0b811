from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "jixiao.web.reviews"
    verbose_name = "财政局复核"
