from django.contrib.auth import get_user_model
from rest_framework import serializers
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer, TokenRefreshSerializer

from core import serializers as strict


class RegisterInput(strict.Serializer):
    username = serializers.RegexField(r"^[\w.@+-]{3,150}$", max_length=150)
    password = serializers.CharField(write_only=True, max_length=128)
    email = serializers.EmailField(required=False, allow_blank=True, default="", max_length=254)


class LogoutInput(strict.Serializer):
    refresh = serializers.CharField(max_length=2000)


class TokenPairOutput(serializers.Serializer):
    refresh = serializers.CharField()
    access = serializers.CharField()


class UserOutput(serializers.ModelSerializer):
    class Meta:
        model = get_user_model()
        fields = ["id", "username", "email", "is_staff", "date_joined"]


class TokenInput(strict.StrictFieldsMixin, TokenObtainPairSerializer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[self.username_field] = serializers.CharField(write_only=True, max_length=150)
        self.fields["password"] = serializers.CharField(write_only=True, max_length=128)


class TokenRefreshInput(strict.StrictFieldsMixin, TokenRefreshSerializer):
    refresh = serializers.CharField(max_length=2000)


class WeChatLoginInput(strict.Serializer):
    code = serializers.CharField(max_length=128, help_text="wx.login() 返回的 code")
    nickname = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")


class WeChatUserOutput(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    nickname = serializers.CharField()
    openid = serializers.CharField()


class WeChatLoginOutput(TokenPairOutput):
    created = serializers.BooleanField(help_text="true when this login created the user")
    user = WeChatUserOutput()
